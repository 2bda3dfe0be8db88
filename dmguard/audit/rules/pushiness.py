"""Pushiness: selling, urgency, links and noise where a conversation should be."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dmguard.audit.model import Context
from dmguard.audit.rules.base import (
    ANSWER_POINTS,
    Example,
    Hit,
    Subject,
    phrase_hits,
    rule,
    unless_answering,
)
from dmguard.audit.text import LINK_TLDS, phrases

SALES = phrases(
    r"(?:buy|order|shop|book|download|register|apply|join|act) (?:now|today|here)",
    r"sign up", r"subscribe (?:to )?(?:my|our|now|here)", r"subscribing me",
    r"use (?:my |our |the )?(?:coupon |promo |discount )?code", r"coupon", r"promo code",
    # the same in Spanish, Portuguese, Italian, French, German, Dutch
    r"(?:usa|use|utiliza|utilisez|utilise|verwende|nutze|gebruik) (?:il |el |o |le |den |de )?"
    r"(?:codice|c[oó]digo|code|gutschein|cup[oó]n|cupom)",
    r"(?:rabatt|gutschein|promo|sconto|kortings)-?code", r"c[oó]digo (?:promocional|de descuento)",
    r"codice (?:sconto|promo)", r"code (?:promo|de r[ée]duction)",
    r"\d{1,2} ?% (?:di |de )?(?:rabatt|sconto|descuento|desconto|r[ée]duction|remise|korting)",
    r"\d{1,2} ?% off", r"\d{1,2} ?% discount", r"\d{1,2} ?% bonus", r"free (?:shipping|delivery|trial|ads|download|beat"
    r"|of charge|consultation|membership|entry|gift)",
    r"click (?:here|the link|below|this link|->|→)", r"click-?>", r"haz clic", r"cliquez",
    r"klik (?:di|link)", r"클릭해 ?주세요", r"special (?:offer|deal|price)", r"limited (?:offer|deal)",
    r"get started", r"visit (?:our|my) (?:website|site|page|blog|store|shop|channel|webpage)",
    r"go to (?:my|our)", r"head (?:over )?to (?:my|our)", r"give it a listen", r"turn on (?:my |post )?notifications",
    r"link in (?:my |the )?bio", r"save your (?:seat|spot)", r"(?:advertise|promote|grow) your (?:business|brand|account|followers)",
    r"earn (?:money|cash|\$)", r"make money", r"dm (?:me|us) (?:for|to get)", r"message (?:me|us) (?:for|to get)",
    r"(?:get|grab|claim) (?:your|a) (?:free|discount|copy|spot|seat)",
    r"for free", r"(?-i:FREE)", r"half price", r"line rental", r"(?:no|without) obligation",
    # recruiting strangers as "brand ambassadors" or for a "collab"
    r"(?:looking for|seeking|recruiting|searching for|buscamos|estamos buscando|procuramos"
    r"|estamos procurando|cherchons|recherchons"
    r"|suchen|cerchiamo)(?: new| our| some)? (?:\w+ )?(?:brand )?(?:ambassadors?|embajador[ae]s"
    r"|embaixador[ae]s|ambassadrices?|ambassadeurs?|influencers|botschafter(?:innen)?"
    r"|ambasciatori|ambasciatrici|promoters)", r"brand ambassador",
    r"collab(?:orate)? with (?:you|u)\b",
    r"(?:bezahlte|paid) (?:kooperation|collab(?:oration)?|partnership|promotion)", r"kols",
    r"(?:diventare|diventa|jadi|werde|devenir|devenez|ser|seja) (?:(?:un|una|une|our|nuestr[oa]|nossa|nosso) )?"
    r"(?:ambassador|ambassadeur|ambassadrice|reseller|embajador[ae]?|embaixador[ae]?"
    r"|markenbotschafter(?:in)?|rivenditore|afiliad[oa])",
    # results promised to the reader's business
    r"(?:more|new|qualified|high-quality|quality) (?:clients|customers|leads|patients|bookings"
    r"|sign-?ups|appointments)",
    r"(?:grow|scale|double|triple|boost|increase|skyrocket) (?:your|their) (?:business|revenue|sales"
    r"|traffic|audience|brand|bookings|reach|conversions?|leads|clients|customers)",
    r"(?:to|onto) page (?:1|one)", r"(?:no|zero) (?:upfront|setup|set-up) (?:costs?|fees?)",
    r"on autopilot", r"free (?:audit|strategy call|demo)",
    # selling search rankings, links and ad space to a site's owner
    r"(?:sponsored|guest) (?:post|article|blog)s?", r"advertising space", r"link insertions?",
    r"backlinks?", r"seo (?:errors|issues|audit|report|problems|mistakes)",
    r"(?:first|1st|top) page (?:of|on) google", r"rank (?:higher|#?1|number one|first) (?:on|in) google",
    r"hurting your (?:google |search )?(?:rank|ranking|rankings|seo)",
    r"free (?:msg|message|text|txt|sms|ringtones?|tones?|mins|minutes|phone|mobile|camera"
    r"|membership|pass|tickets?|gift|sample|upgrade|bluetooth|video)",
    r"(?:ringtones?|wallpapers?|logos?) (?:club|for)", r"(?:dating|chat) (?:service|line|club)",
    r"(?:latest|new) (?:colour |color |camera |video )?(?:mobiles?|phones?|handsets?)",
    r"(?:tried|trying) to (?:call|contact|reach) you", r"(?:delivery|parcel) (?:is )?waiting",
    r"account statement", r"gift ?cards?", r"vouchers?", r"free ?msg",
    r"(?:only|just|from|worth) [£$€] ?\d", r"(?:log ?on ?to|logon to|goto) (?:http|www)",
    r"(?:click on|use|hit|follow) the (?:following )?link", r"polys", r"(?:loyalty|special) offer",
    r"(?:sexy|hot|local|lonely|naughty) (?:singles|girls|babes|dates|ladies|chat)",
    r"subscription service", r"(?:ringtones?|polyphonic|(?:mono|poly) tones?)",
    r"turn(?:ing)? (?:that|your|this) passion into (?:income|profit|a business|money|a career)",
)
_OWN_MEDIA = (r"(?:channel|videos?|vids?|vlogs?|music|songs?|mixtapes?|playlists?|podcasts?"
              r"|streams?|albums?|tracks?|beats|covers?|blog|page|art|artwork|youtube|twitch|tiktok"
              r"|soundcloud|instagram|insta|content)")
"""What one asks strangers to watch or follow. A shop or website is a sales call to action
(DG041), which only adds to the score."""
_OWN_MEDIA_ABROAD = (r"(?:canal|kanal|cha[iî]ne|canale|p[aá]gina|seite|blog|v[ií]deos?|vid[eé]os?"
                     r"|musik|m[uú]sica|musique|musica|podcast)")
_MY_ABROAD = (r"(?:mi|meu|o meu|no meu|a mi|en mi|meinen|meine|mein|meinem|ma|mon|à ma|à mon"
              r"|sur ma|sur mon|mio|il mio|al mio|sul mio|nel mio)")
SELF_PROMOTION = phrases(
    r"(?:subscribe|sub|follow|watch|listen to|check out|check|visit|support|like|share|look up"
    r"|view|go to|head over to|head to|stream) (?:to )?(?:my|our) (?:[\w-]+ ){0,2}" + _OWN_MEDIA,
    r"check (?:my|our) (?:[\w-]+ ){0,2}" + _OWN_MEDIA + r" out",
    r"follow @[\w.]+ (?:for|to get) (?:more|daily|the best)",
    r"(?:my|our) (?:[\w-]+ ){0,2}" + _OWN_MEDIA + r"(?!\w)[^.!?\n]{0,40}?[.!,]? *"
    r"(?:check|watch|listen to|subscribe to) (?:it|them|'?em)",
    r"(?:sub|subscribe|subs) (?:to )?(?:me|us)",
    # "follow me" in other languages; money for the sender, asked of a stranger
    r"me segue", r"segue[- ]me", r"s[ií]gueme", r"s[ií]ganme", r"seguimi", r"suivez[- ]moi",
    r"folgt mir", r"donate (?:\w+ ){0,2}to (?:me|us)",
    r"(?:reach|get|hit|gain|getting|reaching|gaining) (?:\d[\d,.]*\s?k?|a (?:thousand|million"
    r"|hundred)) (?:subs|subscribers|followers|views|likes)",
    r"(?:www\.)?(?:gofundme|indiegogo|kickstarter|patreon|ko-fi|buymeacoffee)\.com/\S+",
    r"paypal\.me/\S+",
    # follow for follow, and asking a favour of a stranger's attention
    r"(?:sub|follow|like) ?(?:4|for) ?(?:sub|follow|like)", r"f4f", r"l4l", r"s4s",
    r"(?:i'?ll|i will|will|and i) (?:sub|subscribe|follow) (?:to )?(?:you |u )?back",
    r"engage with my (?:latest |last |new )?(?:post|tweet|reel|video)", r"engage back",
    r"(?:check|look at|see|visit) (?:out )?my profile(?! ?(?:pic|photo|picture|image|name"
    r"|setting))", r"my profile is (?:tho|better)",
    r"私のプロフィール", r"giveaway on my (?:channel|page|profile)",
    r"(?:an? )?(?:upvote|vote|like|follow|share|review) (?:would|will) mean (?:a lot|the world"
    r"|so much)",
    r"would mean (?:a lot|the world|so much)(?: to me)? if (?:you|u|some of you|anyone|people)"
    r" (?:could |would |can )?(?:check|checked|sub|subbed|subscribe|subscribed|watch|watched"
    r"|follow|followed|like|liked|share|shared|listen|listened|visit|visited)",
    r"(?:come|drop by|stop by|pop by|swing by|join me)(?: [\w']+){0,3} (?:on|to|at|in) (?:my|our)"
    r" (?:[\w-]+ )?(?:channel|stream|twitch|youtube|tiktok|page|blog|podcast|live)",
    r"g(?:ive|ave|iving) (?:my|our) (?:[\w-]+ ){0,2}a (?:listen|watch|follow|like|share)",
    r"(?:drop|leave|give) (?:me )?a (?:follow|sub|like) on (?:my|our)",
    r"(?:share|support) (?:my|our) (?:gofundme|fundraiser|kickstarter|patreon|campaign|petition)",
    r"hit (?:that|the) (?:subscribe|follow|like) button",
    # the same in Spanish, Portuguese, German, French, Italian
    r"(?:suscr[ií]bete|s[ií]gueme|visita|mira|echa un vistazo|inscreva-se|segue|visite"
    r"|d[aá] uma olhada|abonniere|folge|besuche|schau dir|schau|abonne-toi|abonnez-vous"
    r"|jette un (?:œil|oeil)|iscriviti|seguimi|guarda|dai un['’]occhiata)"
    r"(?: (?:a|en|no|na|auf|à|al|il|sur|in|an))? " + _MY_ABROAD + r" " + _OWN_MEDIA_ABROAD,
    r"(?:te invito a )?(?:pasar|p[aá]sate|pasa) por (?:mi|nuestro) canal",
    r"ich folge (?:dir )?zurück", r"je te suis en retour", r"te sigo de vuelta",
    r"(?:eu )?sigo de volta", r"ricambio (?:il )?follow",
    # Hindi, Russian, Indonesian, Turkish, Arabic, Korean, Japanese
    r"मेरे चैनल", r"सब्सक्राइब", r"подпиш(?:ись|итесь) на (?:мой|наш)",
    r"(?:subscribe|subs|follow|mampir(?: ke)?) (?:channel|akun|ig) (?:aku|saya|ku|gue|gw)",
    r"kanal[ıi]ma abone", r"اشترك(?:وا)? في قناتي", r"구독 ?(?:부탁|해 ?주세요)",
    r"チャンネル登録(?:お願い|よろしく)",
    # a promotion page that wants the reader's post: "share it on @page", "get featured"
    r"(?:share|send|post|submit|tag|promote)(?: it| this| them| your [\w-]+)? (?:on|to|with|at|via)"
    r" @\w+", r"to (?:get|be) featured", r"promote (?:it|them|your [\w-]+) (?:with|on|via) us",
)
OWN_RELEASE = phrases(
    r"(?:my|our) (?:latest|new|newest|first) (?:single|track|song|mixtape|ep|album|remix|beat"
    r"|short|reel)s?",
    r"my latest (?:video|vid|upload|cover)",
    r"i (?:just )?(?:posted|uploaded|made|dropped|did) (?:my|a|an) (?:own )?(?:version|cover|remix"
    r"|reaction)",
    r"i do (?:reaction videos|covers|remixes|edits)", r"ich mache? auch musik",
    r"neuer track ist raus",
)
"""The sender's own new release told to a stranger ("btw I posted my version", "the answer is
in my latest short", "my first single dropped today"): an advert even without the ask."""
URGENCY = phrases(
    r"act (?:now|fast)", r"hurry(?: up)?", r"limited[- ]time", r"today only",
    r"this (?:week|month|weekend) only", r"last chance", r"expires? (?:today|soon|tonight|in)",
    r"(?:do not|don't) miss(?: out)?", r"urgent(?:ly)?", r"before it'?s too late",
    r"only \d+ (?:left|spots?|seats?|places?)", r"ends? (?:today|tonight|soon|at midnight)",
    r"while (?:stocks?|supplies) last", r"valid (?:for )?\d+ ?(?:hours|hrs|days)",
    r"offer ends", r"final (?:hours|call|notice)", r"now or never",
    r"(?:registration|enrol(?:l)?ment|sign-?ups?|doors|applications) close(?:s)? (?:in|tonight"
    r"|today|tomorrow|at|on|soon)",
    r"nur (?:noch )?(?:diese woche|heute|bis (?:sonntag|montag|freitag))",
    r"solo (?:este fin de semana|hoy|por hoy|esta semana)",
)
PRIZE = phrases(
    r"(?:you|u)(?:'ve| have| ve| r| are)? (?:won(?!['’]\w)|win|been (?:awarded|selected|chosen))",
    r"winners?", r"prizes?", r"claim (?:your|ur|now|code|it|a|the)", r"jackpot",
    r"selected to receive", r"free entry", r"guaranteed",
    r"free (?:v-?bucks|robux|gems|diamonds|followers|likes|iphones?|ipads?|ps5)",
    r"i won an? [\w ]{0,20} from (?:this|that|their) (?:page|account|giveaway)",
    r"(?:you are|u r|you're) entitled to", r"cash (?:prize|award|bonus|reward)",
    r"(?:award|reward|bonus) (?:of|worth)", r"un-?redeemed", r"secret admirer",
    r"(?:a )?chance (?:2|to) win", r"lucky day", r"to (?:collect|claim) (?:your|ur)",
    r"(?:chosen|selected|picked) for (?:our|an?|the|this) (?:exclusive |special |lucky )?"
    r"(?:giveaway|prize|reward|draw)",
)
ENGAGEMENT_BAIT = phrases(
    r"(?:send|forward|share|copy and paste|repost|pass) (?:this|it) (?:message )?(?:on )?(?:to|with)"
    r" (?:\d+|two|three|five|seven|ten|twenty|all your|every|everyone in your)"
    r" (?:\w+ )?(?:people|friends|contacts|others|followers)",
    r"\d+ (?:like|share|comment|retweet|rt|follow)s? ?= ?\d* ?\w+", r"ignore ?= ?",
    # the comment farms' templates: "who's still listening in 2025?", "like if you came from"
    r"(?:who(?:'s| is)?|anyone(?: else)?|anybody(?: else)?) (?:still )?(?:here|watching|listening)"
    r"(?: to this)? (?:in|after|from|because of) (?:20\d\d|tiktok|the (?:trend|tiktok))",
    r"(?:alguém|alguien) (?:mais|más) (?:assistindo|viendo|escuchando)",
    r"like if you(?:'re| are)? (?:came|come|here|watching)", r"who else\?", r"i'?m so early",
    r"bad luck for (?:\d+|one|two|three|five|seven|ten) (?:years?|days?|months?)",
    r"if you (?:don'?t|do not|dont) (?:share|send|forward|repost|pass) (?:this|it)",
    r"(?:like|share|comment|retweet|repost) (?:this )?if you (?:agree|love|believe|want|think"
    r"|are|support)",
    r"type ['\"]?amen", r"(?:say|comment|type) ['\"]?(?:yes|amen|done)['\"]? (?:if|to|below)",
    r"(?:engagement )?pod rules", r"engagement (?:pod|group)s?", r"comment at least \d+ words",
    r"drop your (?:link|post|handle)s? (?:below|here|in the comments|with)",
    r"like (?:this|my) (?:comment )?if", r"reply if you['’]?re",
    r"tag (?:a|someone|your) (?:\w+ )?(?:friend|bestie|mate|person)s? who",
    r"who['’]?s (?:still )?(?:listening|watching|here)(?: to this)? in \d{4}",
    r"so i get a notification",
    r"drop an? (?:\S{1,2}|emoji|heart|like|comment) (?:in the comments|below|if)",
    r"(?:vote|comment) below", r"(?:take|do) (?:our|this|the) (?:\d+[- ]second |quick |short |fun )?quiz",
)
CONGRATS = phrases(r"congratulations", r"congrats")
"""Friends congratulate each other too: it counts only beside a prize offered with a way to
claim it (:data:`CLAIM_WAY`)."""
CLAIM_WAY = phrases(
    r"(?:https?://|www\.)\S+", r"[a-z0-9-]+\.(?:" + "|".join(LINK_TLDS) + r")(?:/\S*)?", r"claim", r"click", r"call", r"reply", r"te?xt",
    r"dm", r"visit", r"redeem", r"collect", r"fees?", r"links?", r"\d{4,}", r"contact", r"verify",
    r"tap", r"apply", r"register", r"sign up", r"enter", r"bank", r"card details",
    r"send (?:us|your (?:name|address|details|info|number))",
)
"""How a prize message asks to be acted on: a link, a number, "claim", "call", a fee. A winner
told by someone who hands the prize over ("you won the raffle, congrats! I'll bring it
Sunday") is told in none of these ways."""
MONEY = phrases(r"[£$€]\s?\d[\d,.]*(?:k|m)?", r"\d[\d,.]*\s?(?:pounds|gbp|usd|euros?)",
                r"\d+p(?:/| per)")
PREMIUM = phrases(
    r"(?:txt|text|send|reply|rply):?(?: \S+){0,5} (?:to|on|2)(?: no:?)? \d{4,6}",
    r"call\s?(?:08|09)\d{8,9}", r"(?:08|09)\d{2}(?:[ -]?\d){6,8}",
    r"(?:reply|txt|text|rply)(?: back)? with (?:your|ur)", r"send (?:your|ur) (?:name|age|address)",
    r"(?:your|ur) (?:name|age) (?:and|&) (?:age|gender|address|postcode)",
    r"missed call alert", r"you have (?:\d+|a) new (?:message|voicemail)",
    # each case spelled out, so that the scan's anchors are "reply", "txt", "text" and "send"
    # (with [Tt]xt the anchor was "xt", which every "next" holds)
    r"(?-i:(?:Reply|reply|REPLY|Txt|txt|TXT|Text|text|TEXT|Send|send|SEND)(?: with| back)?"
    r"(?: the word)?:? [A-Z][A-Z0-9#]{2,}\b)", r"reply (?:stop|end|yes|no|win|help)",
    r"t ?& ?cs?", r"ts and cs", r"tsandcs", r"terms (?:and|&) conditions", r"per msg",
    r"per txt", r"per text", r"per wk", r"per min",
    r"std (?:txt )?rates?", r"\d+p ?(?:/|per) ?(?:min|msg|txt|wk|day|week)", r"po ?box ?\d+",
    r"text stop", r"msg rates", r"cost \d+p", r"ts ?& ?cs", r"pence per minute",
    r"\d+ ?pence", r"per minute",
)
BULK_SMALL_PRINT = phrases(
    r"unsubscribe", r"opt-out", r"opt out", r"16\+", r"18\+",
    r"call (?:\w+ ){0,3}\+?\d[\d -]{8,14}\d", r"\+44\d{9,10}",
    r"wap (?:link|site|phone|charge)", r"wap\.", r"subscribers?",
)


@rule(
    "DG041",
    "sales-call-to-action",
    family="pushiness",
    scans=[SALES],
    severity="warn",
    points=25,
    max_points=50,
    fails=["Use code SPRING20 for 20% off!", "Buy now at our store", "Click here to sign up",
           "Sichere dir 10 % Rabatt mit dem Code HALLO10", "usa il codice CIAO10",
           "We're looking for brand ambassadors, DM us!",
           "We offer guest posts with dofollow backlinks"],
    passes=["Can I change my order?", "Thanks, I'll check the store tomorrow"],
)
def sales_call_to_action(subject: Subject) -> Iterator[Hit]:
    """Finds sales calls to action: buy now, sign up, discount codes, free offers,
    strangers recruited as "brand ambassadors" or for a "collab", and search rankings,
    backlinks and ad space sold to a site's owner.

    Why: A sales pitch in a DM turns a conversation channel into an ad slot; in
    a first contact it is the unsolicited marketing X's rules forbid.
    Source: X developer guidelines (no unsolicited promotional DMs); California
    SB 1001 (disclosure when a bot tries to sell).
    Use instead: answer what the person asked; link to an offer only when they
    asked for one.
    """
    yield from phrase_hits(SALES, subject, "sales call to action {found!r}")


@rule(
    "DG026",
    "self-promotion",
    family="pushiness",
    generic=True,
    scans=[SELF_PROMOTION, OWN_RELEASE],
    doc_values={"answer_points": ANSWER_POINTS},
    severity="hold",
    points=40,
    max_points=50,
    fails=["Check out my new channel!", "Watch my videos xx", "sub to me pls",
           "Please help me go to college https://www.gofundme.com/f/my-college-fund",
           "My covers are decent, check them out if you want",
           "Thanks for the follow! Listen to our latest track on Spotify",
           "Beautiful pic 😍 send it to @promo_page to get featured",
           "Anyone else here after the trend? btw I posted my version 😅"],
    passes=["I watched your video twice, the ending got me",
            "Can you check my order status?", "Our store opens at 9 tomorrow",
            "I'll check out your channel tonight"],
)
def self_promotion(subject: Subject) -> Iterator[Hit]:
    """Finds a message asking its reader to watch, follow, subscribe to or check out the
    sender's own channel, videos, music, page or shop, or to fund the sender, or to post
    on the sender's promotion page ("send it to @page to get featured"); and one that tells
    a stranger of the sender's own new release without asking ("btw I posted my version",
    "the answer is in my latest short").

    Why: "Check out my channel" (or a fundraiser link) sent to people who did not
    ask is the self-promotion that fills DM requests and comment sections alike;
    it is written once for everybody, and X's rules forbid unsolicited
    promotional DMs.
    Source: X developer guidelines (no unsolicited promotional DMs); the
    self-promoting comments of the YouTube Spam Collection (Alberto, Lochter and
    Almeida, 2015).
    Use instead: answer what the person said; share your work when they ask for it.
    Options: in a reply to someone who wrote first it only adds {answer_points} points
    to the score: they may have asked where to find it.
    """
    yield from unless_answering(SELF_PROMOTION, subject,
                                "asks the reader to promote the sender {found!r}")
    yield from unless_answering(OWN_RELEASE, subject,
                                "tells of the sender's own new release {found!r}")


@rule(
    "DG042",
    "urgency",
    family="pushiness",
    scans=[URGENCY],
    severity="warn",
    points=20,
    max_points=40,
    fails=["Hurry, today only!", "Last chance: offer ends tonight"],
    passes=["No rush, whenever suits you", "The deadline is in March"],
)
def urgency(subject: Subject) -> Iterator[Hit]:
    """Finds manufactured urgency: hurry, today only, last chance, expires soon.

    Why: Pressure to act now is a sales tactic, not something a friend writes;
    in an automated DM it reads as spam.
    Source: common complaints about marketing DMs and SMS spam.
    Use instead: give the date plainly if there is one, without pressure.
    """
    yield from phrase_hits(URGENCY, subject, "urgency {found!r}", tentative=True)


@rule(
    "DG046",
    "prize-or-money",
    family="pushiness",
    scans=[PRIZE],
    severity="warn",
    points=30,
    max_points=60,
    fails=["Congratulations! You have won a £900 prize", "Claim your cash reward now",
           "Anyone want free V-Bucks? Go to the link"],
    passes=["Can you lend me 20 quid?", "The match was won in extra time",
            "I paid $5 for delivery and got £1.67 back", "Congrats on the new job!",
            "Congratulations on your wedding, so happy for you both",
            "You won't believe what happened at work today"],
)
def prize_or_money(subject: Subject) -> Iterator[Hit]:
    """Finds prizes and winnings offered to the reader, and the sums that go with them.

    Why: Nobody who knows you writes "you have won a £900 prize"; money and
    prizes in an unsolicited message are the marks of bulk spam and scams.
    Source: SMS and DM spam patterns; X developer guidelines (spam).
    Use instead: if there really is a prize, tell the winner personally.
    Options: sums of money count only next to a prize word, so a customer
    quoting a price is not flagged. A prize with no way to claim it in the message (no
    link, number, "claim", "call" or fee) counts once, and congratulations beside it not
    at all: a winner told by the person who hands the prize over is not offered a prize.
    """
    prizes = list(phrase_hits(PRIZE, subject, "prize {found!r}", tentative=True))
    if not prizes:
        return
    if CLAIM_WAY.search(subject.text) is None:
        # told, not offered: the prize counts once, the congratulations not at all
        yield prizes[0]
    else:
        yield from prizes
        yield from phrase_hits(CONGRATS, subject, "prize {found!r}", tentative=True)
    yield from phrase_hits(MONEY, subject, "money offered {found!r}", tentative=True)


@rule(
    "DG048",
    "engagement-bait",
    family="pushiness",
    generic=True,
    scans=[ENGAGEMENT_BAIT],
    severity="hold",
    points=40,
    max_points=50,
    fails=["1 like = 1 prayer 🙏 ignore = bad luck for 7 years",
           "Send this to 10 friends or your wish won't come true",
           "Like if you agree, type amen below"],
    passes=["I'll send it to you and two friends tomorrow",
            "Did you like it? I think you'd agree with the ending",
            "Sorry, I had bad luck with the train today"],
)
def engagement_bait(subject: Subject) -> Iterator[Hit]:
    """Finds chain letters and engagement bait: "send this to 10 friends", "1 like = 1
    prayer", "ignore = bad luck", "like if you agree", "type amen".

    Why: A chain letter is written once to travel to everybody, and engagement bait asks
    for likes and shares instead of saying anything to its reader; both are marks of
    spam wherever they appear.
    Source: chain letters and engagement bait, long-known forms of social spam (Facebook
    demotes "engagement bait" by name); the comment spam of the YouTube Spam Collection.
    Use instead: say what you want to say to this person; do not ask them to pass it on.
    """
    yield from phrase_hits(ENGAGEMENT_BAIT, subject, "chain letter or engagement bait {found!r}")


LURE = phrases(
    r"(?:videos?|pics?|pictures?|photos?) of you\b.{0,60}?(?:https?://|www\.|\w\.\w{2,})",
    r"is (?:this|that) (?:really )?you\b[^.!?\n]{0,30}\?+.{0,40}?(?:https?://|www\.|\w\.\w{2,})",
    r"(?:is (?:this|that) you|are (?:you|u)) in (?:this|these|those) (?:photos?|pics?|pictures?"
    r"|videos?|clips?)\W*\?.{0,60}?(?:https?://|www\.|\w\.\w{2,})",
    # crypto "giveaways" that double what is sent
    r"send (?:\d[\d.,]*|me) ?(?:btc|eth|usdt|bitcoin|ether|sol)\b.{0,40}?\b(?:receive|get)",
    r"double your (?:btc|eth|bitcoin|crypto|money|investment)",
    r"akun (?:kamu|anda) terpilih", r"klaim (?:sekarang|hadiah)",
    r"(?:account|page|profile) (?:has been|was|will be|is being) (?:reported|flagged) for",
    r"need (?:a|an) hacker", r"recovered my (?:account|funds|wallet|crypto|money|bitcoin)",
    r"private (?:pics|photos|videos|content|snap)", r"🔞",
    # smishing: a fine, a toll or a tax to pay, a refund or a credit line to claim
    r"(?:unpaid|outstanding|overdue) (?:tolls?|fines?|parking (?:fines?|tickets?|charges?)|tax(?:es)?"
    r"|toll balance)",
    r"avoid (?:a |an |the )?(?:[£$€]\d+ )?(?:late fee|penalty|court action|legal action|suspension"
    r"|disconnection|arrest|lawsuit|prosecution)",
    r"(?:filed|file) a (?:lawsuit|case|complaint) against you", r"extended (?:car |vehicle |auto )?"
    r"warranty",
    # an account locked, suspended or expiring, and a link to "unlock" it
    r"(?:account|apple id|icloud|card|kyc|pushtan(?:-verfahren)?|password|access|netflix|paypal)"
    r"[^.!?\n]{0,30}\b(?:locked|suspended|blocked|disabled|deactivated|restricted|on hold|expired"
    r"|expires|läuft ab|not updated|gesperrt)\b.{0,80}?(?:https?://|www\.|\w\.(?:com|de|in|sa|net"
    r"|org|info|xyz|co|io)\b)",
    r"تم تعليق حسابك", r"تحديث بياناتك عبر الرابط",
    # a code "sent to your number by mistake", a wrong number that starts a chat
    r"(?:sent|texted) (?:my|a|the) (?:\d[- ]digit |verification |security |login |whatsapp )?code"
    r" to (?:your|ur|this) (?:number|phone)",
    r"wrong number\W{0,8}(?:but|anyway)",
    r"eligible for (?:an?|your) (?:[\w-]+ ){0,3}(?:rebate|refund|grant|compensation|payout"
    r"|settlement)",
    r"pre-?approved for", r"loan forgiveness",
    r"update your (?:payment|billing|card|bank) (?:details|information|info|method) (?:within"
    r"|to avoid|immediately|now|here|at|via|by clicking|using)",
    r"if you (?:did not|didn['’]?t) (?:place|make|authori[sz]e|request|recogni[sz]e) this (?:order"
    r"|purchase|transaction|payment|charge|login)",
    r"\b(?:mum|mom|mam|mama|dad|papa)\b[\s,!.]{1,4}(?:this is|it['’]?s|its) my new number",
    # a testimonial that sends the reader to a contact: the recovery "expert", the trader
    r"(?:reach|contact|message|text|write to|dm) (?:him|her|them)(?: directly| now| today| asap)?"
    r" (?:on|via|through|at) (?:telegram|whatsapp|signal|instagram|gmail|email|e-mail)",
    r"recovery (?:expert|specialist|agent|hacker)s?",
    r"(?:introduced|referred) me to (?:mr|mrs|ms|miss|dr|sir|madam)\.? ",
    r"(?:site|app|website) that pays (?:you )?(?:to|for)", r"تواصلوا معه", r"تواصل معه على",
    r"(?:made|earned|making|earn|earning) [£$€][\d,]+k? (?:this|a|per|every|in a|in one)"
    r" (?:week|day|month)",
)
"""Phishing and scam lures: a video "of you" behind a link, "your account has been
reported for …", a hacker who "recovered my account", a testimonial pointing to a contact
("message him on WhatsApp"), private pictures; and smishing's unpaid tolls and fines, late
fees, fake charges, "hi Mum, new number", refunds, rebates and pre-approved credit."""


@rule(
    "DG049",
    "lure",
    family="pushiness",
    scans=[LURE],
    severity="hold",
    points=40,
    max_points=50,
    fails=["Someone sent me this video of you... is this really you?? clip-view.xyz/9kQ",
           "Your account has been reported for fraud. Contact support on Discord",
           "Anyone need a hacker? @fix_it recovered my account in 20 minutes",
           "I'm bored tonight 😘 check my profile for my private pics"],
    passes=["Is this really you? I haven't heard from you in years!",
            "I love this photo of you and your gran",
            "My account was locked this morning, can you help?"],
)
def lure(subject: Subject) -> Iterator[Hit]:
    """Finds the lures of phishing and scam messages: a video or picture "of you" behind a
    link, "is this really you?" with a link, an account "reported for" something, a hacker
    who "recovered my account", a testimonial that sends the reader to a contact, private
    pictures; and those of smishing: an unpaid toll, fine or tax, "avoid a late fee", a
    charge "you didn't authorize", "hi Mum, it's my new number", a refund, rebate or
    pre-approved credit line to claim.

    Why: These lines are written to make anyone click or answer, whoever reads them; a
    person who has a photo of you sends the photo. They are the commonest DM scams.
    Source: common DM phishing and scam patterns (fake "is this you?" videos, account
    suspension scares, account-recovery scams); the toll, parking-fine and tax-refund
    text scams that consumer agencies warn about; X's rules on spam and platform
    manipulation.
    Use instead: nothing: an account that sends these has been taken over or is a spammer.
    """
    yield from phrase_hits(LURE, subject, "scam lure {found!r}")


@rule(
    "DG047",
    "premium-rate-contact",
    family="pushiness",
    scans=[PREMIUM, BULK_SMALL_PRINT],
    severity="warn",
    points=50,
    max_points=60,
    fails=["Txt WIN to 80086 now", "Call 09061701461 to claim", "Reply STOP to end. T&C apply"],
    passes=["Call me on my mobile later", "Text me when you land"],
)
def premium_rate_contact(subject: Subject) -> Iterator[Hit]:
    """Finds short codes, premium-rate numbers and bulk-messaging small print.

    Why: "Text WIN to 80086", "call 0906…", "T&Cs apply, 18+" and "reply STOP"
    belong to mass marketing; a draft that carries them was written for a list.
    Source: SMS spam patterns; X developer guidelines (bulk DMs are spam).
    Use instead: let dmguard add the opt-out line; keep small print out of DMs.
    """
    yield from phrase_hits(PREMIUM, subject, "bulk-messaging marker {found!r}", tentative=True)
    for hit in phrase_hits(BULK_SMALL_PRINT, subject, "bulk small print {found!r}", True):
        yield Hit(hit.span, hit.message, tentative=True, points=20)


@rule(
    "DG043",
    "links",
    family="pushiness",
    severity="warn",
    points=20,
    options={"max_links": 2},
    fails=["See https://a.example.com https://b.example.com https://c.example.com"],
    passes=["Here is the doc you asked for: https://docs.example.com/setup"],
)
def links(subject: Subject) -> Iterator[Hit]:
    """Finds a message with more than ``max_links`` links.

    Why: Each link in an unsolicited DM is a request to leave the conversation;
    several links make it a link dump, a classic spam pattern.
    Source: X developer guidelines (spam); common complaints about auto-DMs.
    Use instead: one link, when the person asked for it.
    Options: ``max_links`` (default 2).
    """
    found = subject.text.links
    limit = subject.options["max_links"]
    if len(found) > limit:
        yield Hit((found[0][0], found[-1][1]), f"{len(found)} links, at most {limit} allowed")


@rule(
    "DG040",
    "link-in-first-contact",
    family="pushiness",
    needs=["context"],
    severity="hold",
    points=30,
    fails=[Example("Welcome! Our shop: https://shop.example.com", context=Context(kind="welcome"))],
    passes=[
        Example("Welcome! What brought you here?", context=Context(kind="welcome")),
        Example("Here's the link: https://shop.example.com",
                context=Context(kind="reply", user_dmed_first=True)),
    ],
)
def link_in_first_contact(subject: Subject) -> Iterator[Hit]:
    """Finds links in the first message to someone.

    Why: A first message with a link is a pitch or a phishing attempt in most
    people's eyes, and X's rules name unsolicited promotional DMs as spam.
    Source: X developer guidelines (unsolicited DMs); common complaints.
    Use instead: start a conversation; share the link when asked.
    Options: runs when the context says first contact (``kind: welcome``,
    ``step: 1``, or ``user_dmed_first: false``).
    """
    context = subject.input.context
    if context is None or not context.first_contact or context.user_dmed_first:
        return
    for span in subject.text.links[:1]:
        yield Hit(span, "link in a first contact")


CAPS_WORD = re.compile(r"\b[A-Z]{3,}\b")
THREE_CAPS = re.compile(r"[A-Z]{3}")
"""Every word in capitals holds three capitals in a row: a quick test before the scan."""
EXCLAIM = re.compile(r"!{3,}|(?:!\s*){4,}")
REPEATED_EMOJI = re.compile(
    "([\U0001f000-\U0001faff\u2600-\u27bf])\\ufe0f?\\1", re.UNICODE
)


@rule(
    "DG044",
    "shouting",
    family="pushiness",
    severity="warn",
    points=10,
    options={"min_words": 3},
    option_minimums={"min_words": 1},
    fails=["HUGE SALE TODAY ONLY, DON'T MISS IT"],
    passes=["The NASA launch was great", "I'm at the BBC office"],
)
def shouting(subject: Subject) -> Iterator[Hit]:
    """Finds messages that shout: several words in capitals.

    Why: Capitals read as shouting; in marketing they are a push for attention.
    Alone this only adds to the score: angry customers shout too.
    Source: common complaints about spam and marketing DMs.
    Use instead: sentence case.
    Options: ``min_words`` (default 3): capitalised words that count as shouting.
    """
    wanted = subject.options["min_words"]
    if wanted > 0 and not THREE_CAPS.search(subject.raw):
        return
    words = list(CAPS_WORD.finditer(subject.raw))
    if len(words) >= wanted:
        yield Hit((words[0].start(), words[-1].end()), f"{len(words)} words in capitals")


@rule(
    "DG045",
    "emoji-exclamation-flood",
    family="pushiness",
    severity="warn",
    points=10,
    max_points=20,
    options={"max_emoji": 3},
    fails=["Hi!!! Welcome 🎉🎉🎉🎉", "Wow 😊😊"],
    passes=["Nice to see you 🙂", "Great!"],
)
def emoji_exclamation_flood(subject: Subject) -> Iterator[Hit]:
    """Finds floods of emoji or exclamation marks, and the same emoji repeated.

    Why: Strings of "!!!" and "🎉🎉🎉" are enthusiasm by template; a repeated
    emoji pair is a common auto-DM signature.
    Source: common auto-DM templates; common complaints about spam.
    Use instead: one emoji, if any.
    Options: ``max_emoji`` (default 3).
    """
    if subject.raw.isascii():
        emoji: list[tuple[int, int]] = []
    else:
        emoji = subject.text.emoji
    if len(emoji) > subject.options["max_emoji"]:
        yield Hit(emoji[0], f"{len(emoji)} emoji")
    elif emoji:
        repeated = REPEATED_EMOJI.search(subject.raw)
        if repeated:
            yield Hit(repeated.span(), f"repeated emoji {repeated.group()!r}")
    flood = EXCLAIM.search(subject.raw) if "!" in subject.raw else None
    if flood:
        yield Hit(flood.span(), f"exclamation flood {flood.group().strip()!r}")


RULES = (sales_call_to_action, self_promotion, urgency, prize_or_money, engagement_bait, lure,
         premium_rate_contact, links, link_in_first_contact, shouting, emoji_exclamation_flood)
