"""Form letters: stock phrases, the same text to many people, nothing about the reader."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dmguard.audit.model import Context, Recipient
from dmguard.audit.pitch_cues import FIRM_HELPS_ABROAD
from dmguard.audit.reader_cues import KNOWN_NEWCOMER, knows_the_reader, particular_welcome
from dmguard.audit.rules.base import (
    ANSWER_POINTS,
    Example,
    Hit,
    PriorHistory,
    Subject,
    as_answer,
    phrase_hits,
    rule,
    unless_answering,
)
from dmguard.audit.text import phrases, quote

WELCOME = phrases(
    # English
    r"(?:thanks|thank you|thank u|thanks you|thx|ty|many thanks) (?:so much |very much |a lot )?(?:for|4) (?:for )?"
    r"(?:the |your )?(?:(?:following(?! up)|follow(?!ing|[- ]up\b))(?: me| us| back)?|followback"
    r"|follow-back|connect(?:ing)?"
    r"|add(?:ing me)?|joining(?: my| our)?|subscrib(?:e|ing)|being (?:a )?part of (?:my|our|the)"
    r"|becoming (?:a )?part of|being my friend|being a friend|showing (?:early )?support"
    r"|your message(?=\W*$)|getting in touch|contacting us"
    r"|your (?:follow(?![- ]up\b)|subscription)"
    r")",
    r"(?:appreciate|love) the follow", r"thanks for \.{2,}",
    r"(?:thanks|thank you|thx) (?:so much )?for (?:accepting|approving) (?:my |the )?"
    r"(?:invite|invitation|connection(?: request)?|request|friend request)",
    # not the idioms: "welcome to the club" (me too), "welcome to my world"
    r"welcome to(?! the club\b| my world\b)\b[^.!?\n]{0,40}?\b(?:family|community|server"
    r"|channel|network|team|group"
    r"|club|page|twitter|discord|tribe|crew|squad|world|swamp|profile|account)",
    r"welcome aboard",
    r"(?:great|glad|nice|good|happy|so good|lovely) to have you (?:here|on board|with us|in (?:the|our))",
    # the joke formulas of welcome bots (each written by several of the probe writers)
    r"it['’]?s dangerous to go alone", r"it['’]?s a bird!? it['’]?s a plane",
    r"houston,? we have an? (?:newcomer|new (?:member|arrival|crew member)|[@\w.]+\W*$)",
    r"a wild [@\w.]+ (?:has )?appeared", r"(?:new )?challenger (?:approaches|approaching|has appeared)",
    r"player (?:two|2|three|3) has (?:entered|joined)", r"achievement unlocked", r"hear ye,? hear ye",
    # a welcome to a handle a platform filled in, and the room asked to welcome someone
    r"welcome,? @[\w.]+",
    r"(?:everyone|everybody|y'?all|guys|folks),? (?:please )?(?:give (?:a |an )?(?:warm |big "
    r"|huge )?)?welcome",
    r"(?:please|let'?s) (?:give (?:a |an )?(?:warm |big |huge )?)?welcome (?:to )?(?:@|our new)",
    r"we(?:'ve| have) received your (?:message|request|enquiry|inquiry)",
    r"(?:we|our team|someone|an agent)(?:'ll| will) (?:get back to you|respond|reply)"
    r" (?:as soon as|shortly|within)",
    r"this is an automated (?:message|reply|response)", r"auto[- ]?dm",
    # canned replies that stand in for an answer: a ticket logged, an office closed, a bot
    r"(?:your|the) (?:[\w-]+ )?(?:request|ticket|enquiry|inquiry|complaint|application"
    r"|submission|feedback)(?: #?\w+)? (?:has been|was|is being) (?:received|logged|forwarded"
    r"|escalated|submitted)",
    r"(?:our )?office (?:is|will be) (?:closed|shut) (?:for|until|over|from)",
    r"(?:i['’]?m|i am) (?:currently )?(?:away from (?:my desk|the office)|out of (?:the )?office)"
    r" (?:until|till|and|from)",
    r"(?:i['’]?m|i am) (?:currently )?on (?:annual |parental |sick |maternity |paternity )?leave"
    r" (?:until|till)",
    r"(?:we|i) (?:value|appreciate) (?:every|each|all (?:of )?our) (?:customers?|clients?|members?"
    r"|users?|feedback)",
    r"feedback like yours",
    r"(?:shared|passed) (?:on )?your (?:comments|feedback|concerns?) (?:with|to|on to) (?:the|our)",
    r"(?:i['’]?m|i am) [\w.]+,? (?:your|the|an?) (?:virtual|digital|ai|automated) (?:assistant|agent"
    r"|helper)",
    r"rate (?:your|our|us|the) [\w ]{0,25}(?:from|on a scale of) (?:1|one) (?:to|-) (?:5|10|five"
    r"|ten)",
    r"(?:from|by) (?:my|our) (?:personal )?(?:twitter ?)?bots?",
    r"auto(?:matic)?[- ]?(?:reply|response):",
    r"choose an option", r"(?:reply|respond) with (?:a|the) (?:number|letter|option)",
    r"(?:our|the) (?:team|engineers|developers|devs) (?:is|are) (?:aware of|looking into) (?:the"
    r"|this) (?:issue|problem|bug|outage)",
    r"(?:we|i)(?:'ll| will) (?:update|notify) you (?:once|when|as soon as) (?:it'?s|it is|this is"
    r"|the issue is) (?:resolved|fixed|sorted)",
    r"will get back to (?:you|u) (?:when|once) i'?m (?:home|back)",
    r"means? (?:a lot|so much|the world) to (?:the|our) (?:whole |entire )?team",
    r"we'?ll pass (?:this|it|that) (?:on|along)",
    r"(?:just )?a (?:friendly )?bot here",
    r"(?:a|one of our) (?:real )?(?:human|person|team member|agent) will (?:get back to|reply to"
    r"|be with) (?:you|u)",
    r"we got (?:your|ur) (?:dm|message)",
    r"(?:our )?(?:chat|business|opening|office|support|service|customer service) hours are",
    r"type (?:agent|human|menu|representative|operator)",
    r"we(?:'re| are) closed (?:for|until|over) the (?:holidays?|break|season|festive)",
    r"(?:i'?m|i am|we'?re|we are) not (?:checking|reading|answering|replying to) (?:my |our )?"
    r"(?:dms|messages|emails|inbox)",
    r"for (?:press|media|business|booking|partnership|collab(?:oration)?) (?:inquiries|enquiries),?"
    r" (?:please )?(?:contact|email|reach|dm|write)",
    r"(?:booking|business|press) (?:inquiries|enquiries) go (?:thru|through|to)",
    # Spanish, Portuguese, Italian, French, German, Dutch
    r"gracias por (?:el follow|seguirme|seguirnos|suscribirte|tu follow|la suscripci[oó]n)",
    r"bienvenid[oa@](?:\([oa]\))?s? (?:a|al)",
    r"obrigad[oa] por (?:me seguir|nos seguir|seguir|se inscrever)",
    r"bem[- ]vind[oa](?:\([oa]\))?s? (?:a|ao|à|aos|às)",
    r"grazie per (?:aver(?:mi|ci) seguit[oi]|il follow|seguirmi|seguirci)",
    r"benvenut[oa] (?:nel|su|in)",
    r"merci (?:de|pour) (?:me suivre|nous suivre|le follow|ton abonnement|votre abonnement)",
    r"bienvenue (?:sur|dans|à|chez)",
    r"danke (?:fürs folgen|für (?:das|dein|deinen) (?:folgen|follow|abo))",
    r"willkommen (?:bei|in|auf|im)", r"bedankt voor het volgen",
    r"welkom bij",
    r"merci (?:pour la connexion|d'avoir accepté)", r"gracias por (?:conectar|aceptar)",
    r"obrigad[oa] por (?:aceitar|conectar)", r"danke (?:für die vernetzung|fürs vernetzen)",
    r"grazie per (?:il collegamento|aver accettato)",
    r"recebemos (?:a )?sua mensagem", r"em breve (?:um|uma|nossa|nosso) (?:atendente|equipe)",
    r"hor[aá]rio de (?:atendimento|atenci[oó]n)",
    r"hemos recibido (?:tu|su) (?:mensaje|consulta|solicitud)", r"te responderemos (?:en|lo antes)",
    r"nous avons bien re[çc]u votre", r"wir haben ihre (?:nachricht|anfrage) erhalten",
    r"an die zuständige abteilung",
    # Indonesian, Turkish, Czech, Russian, Arabic, Korean, Japanese
    r"pesan (?:kamu|anda) (?:sudah|telah) kami terima", r"تم استلام رسالتك",
    r"terima ?kasih (?:sudah|telah|udah|atas) (?:follow|mem?follow|mengikuti)",
    r"selamat datang", r"takip (?:ettiğin|ettiğiniz) için", r"\w+(?:y[ae]|[ae]) hoş ?geldin(?:iz)?",
    r"vítám tě", r"vítejte",
    r"спасибо(?: вам)? за подписку", r"добро пожаловать",
    r"شكرا[ًً]? ?(?:لمتابعتي|للمتابعة|على المتابعة|للإضافة|لمتابعتك)",
    r"팔로우(?:해 ?주셔서)? 감사", r"フォローありがとう",
)

_WELCOME_WORDS = (r"welcome", r"bienvenid[oa]s?", r"bienvenue", r"willkommen", r"benvenut[oaie]",
                  r"bem[- ]vind[oa]s?", r"welkom", r"witaj(?:cie)?", r"witamy", r"irasshaimase",
                  r"youkoso", r"ようこそ", r"환영합니다", r"欢迎", r"歡迎", r"välkommen", r"velkommen",
                  r"tervetuloa", r"hoş ?geldin(?:iz)?", r"benvingut", r"dobrodošli",
                  r"ласкаво просимо", r"καλώς ήρθες")
WELCOME_WORD = phrases(*_WELCOME_WORDS)
"""The words :data:`WELCOME_OPENING` opens with: the rule runs on a message holding one."""
_NOT_A_WELCOME_LINE = (r"(?![\s,!.]+(?:back|home|zurück|de retour|de vuelta|di nuovo|terug"
                      r"|de volta|to the club|to my world)(?!\w))")
"""Welcome back, welcome home: people say those to someone they know. Welcome to the club,
welcome to my world: "me too"."""
WELCOME_OPENING = re.compile(
    r"^[^\w@]{0,4}(?:(?:hi|hey|hello|hiya|heya|yo|hola|greetings|oh hey)(?!\w)[\s,!.]+"
    r"(?:(?!(?:you|you['’]re|youre|your|u|ur)(?![\w'’]))(?:there|@?[\w.'’-]+)[\s,!.]+)?"
    r"(?:and )?"
    # or a name or handle alone before the welcome ("Sam, welcome to …"), not a word like "ha"
    r"|(?!(?:ha|haha|oh|well|yes|yeah|ok|okay|aww?|lol|and|so|but|also|" + "|".join(_WELCOME_WORDS)
    + r")\b)(?:(?-i:[A-ZÀ-Þ][a-zß-ÿ]+)|@[\w.]+),\s+)?"
    r"(" + "|".join(_WELCOME_WORDS) + r")(?!\w)" + _NOT_A_WELCOME_LINE,
    re.IGNORECASE)
"""A message that opens by welcoming its reader ("Welcome, Sam!", "Hi Sam, welcome to …",
"Sam, welcome to …", "Bienvenue !"): what a welcome DM is, whatever follows."""
WELCOME_SENTENCE = re.compile(
    r"[.!?…]\s+(?:[^\w\s@]+\s*)*(" + "|".join(_WELCOME_WORDS) + r")(?!\w)" + _NOT_A_WELCOME_LINE,
    re.IGNORECASE)
"""A sentence of its own that welcomes the reader after a joke or a line about the group
("It's dangerous to go alone, take this! Welcome @lucas", "Yer a wizard! Welcome to …")."""

STOCK = phrases(
    r"check out (?:my|our)", r"check (?:me|us) out", r"check (?:my|our) \w+ out",
    r"feel free to (?:reach out|contact|message|send me|dm|ask|get in touch)",
    r"(?:do not|don't|dont) hesitate to", r"let (?:me|us) know if you have any questions",
    r"if you have any questions", r"(?:thought|think) you (?:might|may|would) (?:be interested|like|enjoy)",
    r"just (?:wanted to |want to )?(?:reach(?:ing)? out|let(?:ting)? you know|checking in)",
    r"sorry for the cold", r"happy to (?:chat|discuss|help) anytime", r"hope you find",
    r"looking forward to connecting", r"(?:let's|lets) connect", r"stay tuned",
    r"follow (?:me|us) (?:on|at)", r"add (?:me|us) on", r"find (?:me|us) (?:on|at)", r"be sure to", r"you are welcome to visit",
    r"i tweet about", r"for more (?:info|information|details)",
    # a cold-outreach sequence's search for "the right person" (its nudges: DG027)
    r"(?:are you|is this|you(?:'re| are)) (?:still )?the (?:right|best|correct|appropriate)"
    r" (?:person|contact)",
    r"(?:point|direct|refer) me (?:to|in the direction of) the (?:right|best|correct) (?:person|contact)",
    r"who(?:'s| is| would be) the (?:right|best) (?:person|contact) to", r"closing the loop",
    # networking boilerplate
    r"(?:great|nice|good|pleasure|glad) to (?:be )?connect(?:ed)?", r"a select (?:group|few|number) of",
    r"thought leaders?", r"like-?minded (?:professionals|people|individuals|entrepreneurs|leaders)",
    r"(?:expand|grow|build) (?:my|our) (?:professional )?network",
    r"exciting (?:new )?opportunit(?:y|ies)", r"mutual connections", r"pick your brain",
    r"(?:connect|network(?:ing)?) with (?:other |local |fellow |like-minded )?(?:professionals"
    r"|leaders|founders|experts)",
    r"je (?:développe|souhaite développer|élargis|veux élargir) mon réseau",
    r"(?:i know|i['’]m sure|i am sure) you (?:probably )?(?:get|receive) (?:a lot|lots|tons"
    r"|hundreds|dozens|plenty) of these (?:messages|e-?mails|dms|pitches|requests)",
)

SALES_FOLLOW_UP = phrases(
    r"circl(?:e|ing) back on (?:this|my|the \w+ (?:i|we) sent)",
    r"(?:floating|bumping|resurfacing|bubbling) this",
    r"my (?:last|previous|earlier)(?: few| couple of| two| three)? (?:e-?mails?|notes)",
    r"this is my (?:last|final) (?:e-?mail|note|attempt|follow-?up)",
    r"(?:tried|been trying) (?:reaching|to reach) you (?:a few|a couple of|several|multiple|\d+) times",
    r"(?:reached|reaching) out (?:a few|several|a couple of|multiple|many|\d+) times",
    r"following up on my (?:(?:last|previous|earlier) )?(?:e-?mail|note|message)",
    r"haven'?t heard back from you",
    r"did you (?:get|have) a chance to (?:look at|review|read|check out|consider) my",
    r"i(?:'ll| will) (?:assume|take it) (?:that )?(?:it'?s|you'?re|this is|you are|now is) not",
    r"to the top of your inbox", r"last (?:attempt|try) (?:to|at) (?:reach|connect|get)",
    r"in case (?:it|this|my \w+) (?:slipped|got lost|got buried)",
    r"(?:clutter|flood|spam) (?:up )?your inbox",
    r"any thoughts on my (?:message|e-?mail|note|offer|proposal)",
)
"""The nudges of a sales sequence to someone who never answered: "circling back on my
note", "bumping this", "my last few emails", "this is my last email"."""

BOT_NOTICE = phrases(
    # a ban with its reason, the week's top chatters, the topic of the day, maintenance
    r"(?:banned|kicked|muted)\W{1,3}reason:",
    r"top (?:chatters|posters|members|contributors) (?:this|of the) (?:week|month)",
    r"(?:topic|question) of the day", r"react with (?:a )?(?:thumbs up|👍|✅|an emoji) if you",
    r"maintenance mode", r"bots? (?:may|might|will) be offline",
    # a gate before the group: prove you are human, react to get in, or be removed
    r"prove (?:that )?you(?:['’]re| are) (?:a )?(?:human|not a (?:ro)?bot)",
    r"(?:complete|solve|pass) the captcha",
    r"(?:react|click|tap|press)\b[^.!?\n]{0,40}(?:\bto (?:verify|get verified|unlock|gain access"
    r"|get access)|#verif)",
    r"(?:unverified|inactive) (?:accounts|members|users) (?:are|will be|get) (?:removed|kicked"
    r"|banned)",
    # moderation counted out by a machine
    r"warning \d+ (?:of|/) \d+",
    r"(?:\d|two|three|second|third|3rd) (?:warnings?|strikes?) ?(?:=|means|and you(?:['’]re| are)"
    r"|will result in) ?(?:an? )?(?:automatic |permanent )?(?:ban|kick|mute)",
    r"(?:message|post|comment) (?:was|has been) (?:automatically )?(?:removed|deleted) (?:because"
    r"|as|for) (?:it )?contain(?:s|ed)?",
    r"blocked (?:word|phrase|link)s?\b",
    r"(?:has|have) been (?:temporarily |automatically |permanently )?(?:muted|banned|kicked)",
    r"(?:caps ?lock|spam|flood(?:ing)?) detected",
    # the counts and schedules of a bot's own posts
    r"we(?:['’]re| are) now [\d,.]+k? (?:strong|members)",
    r"(?:inactive|idle) members? (?:were |have been )?removed",
    r"advanced to level \d+",
    r"(?:daily|weekly) (?:question|leaderboard)", r"question of the day",
)
"""What a group bot posts about members: verification gates, warnings counted to a ban,
posts removed for a blocked word, mutes and bans, member counts, cleanups, level-ups."""

WEEKDAY = phrases(
    r"(?:happy|have a (?:great|nice|good)) (?:monday|tuesday|wednesday|thursday|friday"
    r"|saturday|sunday|weekend)",
    r"(?:feliz|gran|buen|excelente) (?:lunes|martes|mi[eé]rcoles|jueves|viernes|s[aá]bado|domingo)",
    r"selamat hari \w+", r"(?:bon|bonne) (?:lundi|mardi|mercredi|jeudi|vendredi|week-end)",
    r"(?:schönen|guten) (?:montag|dienstag|mittwoch|donnerstag|freitag|wochenende)",
)

_FIRM_INTROS_ABROAD = (
    r"somos (?:uma?|una?) (?:\w+ ){0,3}(?:agência|agencia|empresa|startup|consultoria)",
    r"nous sommes une? (?:\w+ ){0,3}(?:agence|entreprise|société|startup)",
    r"wir sind eine? (?:\w+ ){0,3}(?:agentur|firma|unternehmen)",
)
"""'We are an agency' in Spanish, Portuguese, French and German: DG025's self-introduction,
and one of DG029's offers."""

SELF_PITCH = phrases(
    r"(?:i'm|i am) (?:the )?(?:ceo|founder|co-?founder|co-?organi[sz]er|owner) of",
    r"(?:i'm|i am) (?:the )?@\w+ (?:founder|ceo)",
    r"we(?:'re| are) (?:a|an|one of the) (?:\w+ ){0,4}(?:company|firm|agency|app|startup|platform"
    r"|brand|provider|providers|team|business)",
    r"our (?:goal|mission) is", r"we specialise in|we specialize in", r"(?:i'm|i am) a \w+ (?:from|in) ",
    r"(?:i'm|i am) [^,.!?\n]{1,30}, an? [\w/ -]{1,40} (?:from|in|based in) ",
    r"(?:brands|companies|businesses|firms|agencies|founders|clients|teams) like (?:yours|you)",
    *_FIRM_INTROS_ABROAD,
)


_AUDIENCES = (r"(?:brands|businesses|companies|startups|teams|founders|creators|coaches|agencies"
              r"|clinics|practices|stores|shops|firms|clients|professionals|leaders|owners)")
COLD_OFFER = phrases(
    # the value proposition: "we help <whom> <do what>", "I help e-commerce brands recover …"
    r"(?:we|i) help (?!out\b|each\b|with\b|my\b|him\b|her\b|them\b|you\b|us\b|me\b|the\b|our\b"
    r"|his\b|their\b|it\b|this\b|that\b|a\b|an\b|at\b)(?:[\w-]+ ){0,3}?[\w-]+s",
    r"we speciali[sz]e in", r"we partner with",
    r"we work with " + _AUDIENCES,
    r"we(?:'re| are) an? (?:[\w-]+ ){0,3}(?:agency|company|firm|studio|startup|platform"
    r"|consultancy|marketplace)",
    _AUDIENCES + r" like (?:yours|you)",
    r"can help you (?:get|grow|increase|reduce|boost|scale|reach|save|rank|double|triple"
    r"|generate|land|automate)",
    r"(?:i|we)(?:'ve| have) (?:built|created|developed|launched) an? (?:[\w-]+ ){0,3}(?:tool"
    r"|platform|app|assistant|solution|service|product|plugin)",
    r"our (?:solution|agency|services)",
    r"i'?m (?:with|from) an? (?:[\w-]+ ){0,3}(?:firm|agency|consultancy|studio)",
    r"(?:i'?m|i am) an? (?:[\w-]+ ){0,2}(?:coach|consultant|strategist|marketer|copywriter)",
    r"(?:have|got) an idea that could (?:help|fill|grow|save|double|boost)",
    r"i run an? (?:[\w-]+ ){0,2}(?:agency|studio|consultancy|firm)", r"(?:have|got) a cash buyer",
    r"cash offer (?:for|on) your (?:house|home|property|flat)",
    # strangers recruited to promote a brand: ambassadors, influencers, paid collaborations
    r"(?:looking for|seeking|recruiting|estamos buscando|buscamos|wir suchen) (?:\w+ )?(?:brand )?"
    r"(?:ambassadors?|embajador[ae]s|kols?|influencers|markenbotschafter)",
    r"(?:bezahlte|paid) (?:kooperation|collab(?:oration)?|partnership)",
    *FIRM_HELPS_ABROAD, *_FIRM_INTROS_ABROAD, r"notre (?:solution|agence)",
)
"""What a firm or freelancer offers a stranger: the value proposition of a sales sequence ("we
help dental clinics fill empty slots", "companies like yours"), in eight languages."""

STRANGER_ASK = phrases(
    r"would you be (?:open|interested|up for|keen)", r"would it make sense", r"are you open to",
    r"open to (?:a|exploring|hearing|learning|discussing|chatting)",
    r"(?:quick|short|brief) (?:call|chat|zoom|meeting|demo)", r"(?:hop|jump) on a (?:quick )?call",
    r"worth (?:a quick|exploring|a chat|a call)", r"interested\?",
    r"(?:can|could|may|shall) i send (?:you|it|over|a)",
    r"(?:\d+|two|five|ten|fifteen|twenty)[- ]min(?:ute)? (?:call|chat|demo|video|meeting|zoom"
    r"|intro)",
    r"(?:have|got|spare|grab) (?:\d+|five|ten|fifteen|twenty) min(?:ute)?s",
    r"(?:\d+|five|ten|fifteen|twenty) min(?:ute)?s (?:of your time|this week|next week)",
    r"book a (?:free |quick )?(?:call|demo|strategy)",
    r"(?:offer|give) you a (?:free|complimentary) (?:session|call|audit|consultation|review"
    r"|strategy)",
    r"who (?:handles|runs|manages|looks after|is in charge of) (?:the |your )?(?:marketing|sales"
    r"|partnerships|growth|hiring|recruiting|procurement|it|hr|seo|social media)",
    r"(?:tienes|tiene|tendrías) \d+ minutos", r"hätten sie (?:\w+ ){0,3}\d+ minuten",
    r"\d+ minuten (?:zeit|für)", r"seriez-vous disponible", r"podemos agendar",
    r"possiamo mostrarti", r"¿?te interesa", r"hättest du lust",
    r"if (?:you'?re|you are) (?:keen|interested)", r"dm (?:me |us )?back if", r"mind if i send",
    r"(?:still )?thinking (?:about|of) selling",
)
"""Asking a stranger for their time or interest: a call, "10 minutes this week", "can I send
you the deck", "interested?"."""

WELCOME_AT = re.compile(r"(?:" + "|".join(_WELCOME_WORDS) + r")(?!\w)", re.IGNORECASE)
"""A welcome word where a hit starts (the welcome itself, not a thanks beside it)."""

ACKNOWLEDGEMENT = re.compile(r"message|in touch|contacting|received|logged|forwarded|escalated"
                             r"|submitted|get back|respond|reply|office|leave|value|appreciate"
                             r"|feedback|assistant|agent|helper|rate|hours|type|closed|checking"
                             r"|inquiries|enquiries|recebemos|breve|hor[aá]rio|recibido"
                             r"|responderemos|re[çc]u|erhalten|abteilung|terima|استلام"
                             r"|option|number|letter|aware|looking into|update|notify"
                             r"|means|pass"
                             r"|automated|auto[- ]?dm|bots?\b", re.IGNORECASE)
"""What the stock lines of an auto-reply say (the rest of :data:`WELCOME` are welcomes and
thanks for following)."""


@rule(
    "DG020",
    "welcome-boilerplate",
    family="form-letter",
    generic=True,
    scans=[WELCOME, WELCOME_WORD],
    doc_values={"answer_points": ANSWER_POINTS},
    severity="hold",
    points=50,
    max_points=60,
    fails=["Hi Alex! Thanks for following 😊", "Thank you for the follow, check out my site",
           "Welcome to the family!", "Gracias por seguirme!", "Thanks for your message :)",
           "Grazie per averci seguito!", "Welcome, Alex! Make yourself at home.",
           "Hi Alex, welcome to the dark side.",
           "Bienvenue Alex, ravi de te voir ici",
           "It's dangerous to go alone, take this! Welcome @lucas"],
    passes=["Thanks for following up on my ticket, it works now",
            "Welcome back! How was the trip to Porto?",
            "Welcome to the club, my knee went the same way last year",
            "Welcome home, Sam! The keys are under the blue pot.",
            "Hi Sam, welcome back! Same table as last time?",
            "Thanks for your message about the wobbly table leg: which screw is missing?",
            "Thanks for the follow-up, Raj: invoice INV-2291 is paid.",
            "Thanks for your follow-up question, Raj: yes, it is paid.",
            "Thanks for your message, Omar. The parcel is with your neighbour at number 12."],
)
def welcome_boilerplate(subject: Subject) -> Iterator[Hit]:
    """Finds stock welcome and auto-acknowledgement lines, and messages that open with a
    welcome or welcome in a sentence of their own.

    The lines are known in several languages; so are the welcome words.

    Why: "Thanks for the follow!" sent to every new follower is the auto-DM X
    names as not allowed, and the message people most often call spam. A DM that
    opens with "Welcome, Alex", or ends a joke with "Welcome @alex!", is a welcome
    DM whatever the joke (people say "welcome back" or "welcome home" to someone they
    know, and "welcome to the club" for "me too"; those pass). So are the welcome bots'
    joke formulas ("it's dangerous
    to go alone", "a wild Sam appeared", "Houston, we have a newcomer") and a welcome to
    a @handle a platform filled in. A welcome that tells what the reader said or did
    ("you mentioned you keep bees"), what the two share ("great meeting you at the
    repair café") or who they are to the sender ("this is Priya from my lab", "he's our
    new keeper from the Rovers", a neighbour's "I'm Bev at number 9") is a person's, and
    only adds to the score. So does a welcome with arrangements only someone in the
    reader's new place could make ("your plot is 14C, and Jo will lend you a hose on
    Sunday": two of an arranged time, a numbered place, the sender's own commitment and
    someone else by name), unless it has a server bot's links, channels, rules or roles;
    a thanks for following beside it still holds. Canned acknowledgements ("thanks for
    your message") pretend to be an answer.
    Source: X developer guidelines ("app auto-DMs new followers with welcome
    message" is not allowed); common complaints about auto-DMs.
    Use instead: welcome people yourself, with something from their profile, or
    wait until they write.
    Options: in a reply to someone who wrote first a welcome or a thanks for
    following is an answer ("Welcome!" may be "you're welcome"); it only adds
    {answer_points} points, as a welcome that tells what the reader said or did does.
    A canned acknowledgement still holds.
    """
    hits = list(phrase_hits(WELCOME, subject, "stock welcome line {found!r}"))
    raw = subject.text.text
    opening = None
    if WELCOME_WORD.possible(subject.text):
        opening = WELCOME_OPENING.match(raw)
        found = opening or WELCOME_SENTENCE.search(raw)
        if found and not any(hit.span and hit.span[0] <= found.start(1) < hit.span[1]
                             for hit in hits):
            span = found.span(1)
            told = "opens by welcoming" if opening else "welcomes"
            hits.insert(0, Hit(span, f"{told} the reader {quote(raw, span)!r}"))
    if not hits:
        return
    if subject.answering or knows_the_reader(subject.text.lower, subject.text.word_set) \
            or KNOWN_NEWCOMER.search(raw) is not None:
        # To someone who wrote first a welcome or thanks is an answer ("Welcome!" may be
        # "you're welcome"); a welcome that tells what the reader said or did is a person's.
        # A canned acknowledgement is never either.
        for hit in hits:
            yield hit if hit.span and ACKNOWLEDGEMENT.search(raw, *hit.span) else as_answer(hit)
        return
    if opening is not None and particular_welcome(raw):
        # the welcome itself is a person's; a thanks for following beside it is not
        for hit in hits:
            yield as_answer(hit) if hit.span and WELCOME_AT.match(raw, hit.span[0]) else hit
        return
    yield from hits


@rule(
    "DG023",
    "stock-phrase",
    family="form-letter",
    generic=True,
    scans=[STOCK],
    severity="warn",
    points=20,
    max_points=40,
    fails=["Feel free to reach out anytime!", "Check out my channel when you can",
           "We thought you might be interested in our newsletter",
           "Are you still the right person to talk to about payroll?",
           "Great to connect! I'm always looking to learn from thought leaders like you"],
    passes=["Could you check my order status?", "Reach me at home tonight"],
)
def stock_phrase(subject: Subject) -> Iterator[Hit]:
    """Finds phrases that stand in for something actually said to this person.

    Why: "Feel free to reach out", "check out my…", "thought you might be
    interested" fit every reader, so they tell this reader nothing. So do the steps
    of a cold-outreach sequence's search for a contact: "are you the right person to
    talk to about…" asks anyone at a firm; "great to connect, I love learning from
    thought leaders" is networking boilerplate. Each one adds to the genericity score;
    a few together hold the message.
    Source: common complaints about form letters ("feel free to reach out",
    "check out my"); sales-engagement sequences.
    Use instead: say the one specific thing you want this person to know.
    """
    yield from phrase_hits(STOCK, subject, "stock phrase {found!r}")


@rule(
    "DG027",
    "sales-follow-up",
    family="form-letter",
    generic=True,
    scans=[SALES_FOLLOW_UP],
    doc_values={"answer_points": ANSWER_POINTS},
    severity="warn",
    points=30,
    max_points=40,
    fails=["Hi Anna, wanted to circle back on my note from Tuesday.",
           "Just floating this back up in case it got buried",
           "Not sure if you saw my last few emails. Worth a chat?",
           "I've reached out a few times, so I'll assume it's not a priority"],
    passes=["Did you see my last message? Are we still on for Friday?",
            "I'll circle back with the numbers tomorrow",
            "I haven't heard back from the landlord yet"],
)
def sales_follow_up(subject: Subject) -> Iterator[Hit]:
    """Finds the nudges of a sales sequence to someone who never answered: "circling back
    on my note", "floating this back up", "my last few emails", "I've tried reaching you a
    few times", "this is my last email".

    Why: Sales-engagement tools send these steps on a schedule to everyone who did not
    reply to the first pitch; they are written once, and each one is another unsolicited
    message to a person who has already said nothing. A friend asking "did you see my
    message?" uses none of this wording, but a freelancer chasing an invoice or a
    colleague a draft may ("following up on my email about invoice 2291"), so a nudge
    alone only adds to the score: with another sign of a form letter it holds.
    Source: the follow-up steps of sales-engagement sequences ("bump" and "breakup"
    emails); X developer guidelines (no unsolicited automated DMs).
    Use instead: if they did not answer, let it be; if they did, answer what they said.
    Options: in a reply to someone who wrote first it only adds {answer_points} points to
    the score: following up inside a conversation they started is ordinary.
    """
    yield from unless_answering(SALES_FOLLOW_UP, subject,
                                "nudges someone who did not answer {found!r}")


@rule(
    "DG028",
    "bot-notice",
    family="form-letter",
    generic=True,
    scans=[BOT_NOTICE],
    severity="hold",
    points=40,
    max_points=50,
    fails=["Welcome! React with ✅ below to verify and unlock the other channels.",
           "⚠️ That's warning 2 of 3. Third warning = automatic ban.",
           "Your message was removed because it contained a blocked word.",
           "Say hi to Ade! We're now 4,210 strong 💪"],
    passes=["I got a warning from the ref, two more and I'm off",
            "Sam was banned from the pub quiz for googling answers, ha",
            "The spam filter ate your message, can you send it again?"],
)
def bot_notice(subject: Subject) -> Iterator[Hit]:
    """Finds the notices of group bots: verification gates ("react to verify", "prove
    you're human"), warnings counted to a ban, posts removed for a blocked word, mutes and
    bans announced, member counts ("we're now 2,047 strong"), cleanups of inactive members.

    Why: A bot posts these lines to whoever trips them, and a message built from one is
    not written to its reader; sent as a DM it is the automated notice X asks to be
    labelled, and it is often the first thing a newcomer gets.
    Source: the notices of community moderation bots (verification gates, auto-moderation
    strikes, member-count announcements); X automation rules (label automated accounts
    and messages).
    Use instead: say it yourself to the person, or post it where the group reads it.
    """
    yield from phrase_hits(BOT_NOTICE, subject, "a group bot's notice {found!r}")


@rule(
    "DG029",
    "cold-pitch",
    family="form-letter",
    generic=True,
    scans=[COLD_OFFER, STRANGER_ASK],
    doc_values={"answer_points": ANSWER_POINTS},
    severity="hold",
    points=40,
    fails=["Hi Chris, I help e-commerce brands recover abandoned carts with SMS. Would you be "
           "open to a 10-minute call?",
           "Hola Javier, ayudamos a empresas como la tuya a automatizar la facturación. "
           "¿Tienes 10 minutos esta semana?",
           "We've built an AI assistant that writes your sales emails. Can I send you a demo?"],
    passes=["I help my mum with her shop on Saturdays, would you be up for coffee after?",
            "We help out at the food bank, are you open to joining us on Sunday?",
            "I help companies like yours",
            "Would you have 20 minutes to talk about the role on our platform team?"],
)
def cold_pitch(subject: Subject) -> Iterator[Hit]:
    """Finds a cold pitch: what the sender's business offers ("we help dental clinics fill
    empty slots", "companies like yours"), with an ask for the reader's time or interest ("a
    quick call?", "10 minutes this week", "can I send you the deck?").

    Why: The two together are the first step of a sales sequence, written once and sent to a
    list; either alone is only a warning (DG025, DG041), but a stranger offered a service and
    asked for a call did not ask to be sold to, and X forbids unsolicited automated DMs.
    Source: sales-engagement templates (value proposition, then a meeting ask); X automation
    rules (unsolicited automated DMs).
    Use instead: if you really think they need it, say why *they* do, in your own words, and
    let them ask for the call.
    Options: in a reply to someone who wrote first it only adds {answer_points} points to
    the score: they may have asked what the sender does.
    """
    offer = next(phrase_hits(COLD_OFFER, subject, "{found!r}"), None)
    if offer is None:
        return
    ask = next(phrase_hits(STRANGER_ASK, subject, "{found!r}"), None)
    if ask is None:
        return
    hit = Hit(offer.span, f"pitches {offer.message} and asks for the reader's time {ask.message}")
    yield as_answer(hit) if subject.answering else hit


@rule(
    "DG024",
    "weekday-greeting",
    family="form-letter",
    scans=[WEEKDAY],
    severity="warn",
    points=15,
    fails=["Hi Alex, happy Monday!", "Feliz lunes 😊"],
    passes=["See you on Monday then", "Monday works for me"],
)
def weekday_greeting(subject: Subject) -> Iterator[Hit]:
    """Finds "Happy Monday"-style lines that a template fills with today's weekday.

    Why: Auto-DM scripts often paste the weekday into a greeting; it is the one
    "personal" touch that is the same for everybody that day.
    Source: common auto-DM templates ("Happy ${dayName}").
    Use instead: leave it out, or say something about the person.
    """
    yield from phrase_hits(WEEKDAY, subject, "templated weekday greeting {found!r}",
                           tentative=True)


@rule(
    "DG025",
    "self-pitch",
    family="form-letter",
    scans=[SELF_PITCH],
    severity="warn",
    points=15,
    fails=["I'm the founder of Acme, a new platform for traders",
           "We are a small streaming app with new content",
           "Companies like yours save ten hours a week with our tool"],
    passes=["I am running late, sorry", "We are at the cafe now"],
)
def self_pitch(subject: Subject) -> Iterator[Hit]:
    """Finds an introduction of the sender's business where a conversation would start.

    Why: A first DM that is about the sender ("I'm the founder of…", "we are a
    leading agency") is a pitch that was written once and sent to everyone.
    Source: common complaints about cold auto-DMs.
    Use instead: ask about them before you tell them about you.
    """
    yield from phrase_hits(SELF_PITCH, subject, "pitch about the sender {found!r}",
                           tentative=True)


@rule(
    "DG021",
    "near-duplicate",
    family="form-letter",
    generic=True,
    needs_similarity=True,
    needs=["recipient_id"],
    severity="hold",
    points=30,
    options={"min_recipients": 3},
    option_minimums={"min_recipients": 1},
    fails=[Example(
        "Hi Amy, we are launching our spring collection next week with new colours!",
        recipient=Recipient(id="1", name="Amy Lee"),
        history=PriorHistory(similar=("Hi Bob, we are launching our spring collection next "
                                      "week with new colours!",) * 3),
    )],
    passes=[Example(
        "Hi Amy, saw your talk at PyCon about parsers: loved the bit on error recovery.",
        recipient=Recipient(id="1", name="Amy Lee"),
        history=PriorHistory(similar=("Hi Bob, we are launching our spring collection next "
                                      "week with new colours!",) * 3),
    )],
)
def near_duplicate(subject: Subject) -> Iterator[Hit]:
    """Finds text that has already gone to many people, ignoring names and small edits.

    Why: The same text to many recipients is a form letter however personal it
    sounds, and bulk DMs are spam on X. Swapping the name or a word does not
    make it personal.
    Source: X developer guidelines (bulk, unsolicited DMs are spam); common
    complaints ("the same offer every day").
    Use instead: write to fewer people, and write to each of them.
    Options: ``min_recipients`` (default 3): how many earlier similar messages
    hold this one. History covers ``audit.history_days``. Only messages with a
    recipient id are compared: without one, nothing says the text went to
    different people.
    """
    recipient = subject.input.recipient
    if recipient is None or not recipient.id:
        return
    count = subject.history.near_duplicates(subject.signature)
    if count >= subject.options["min_recipients"]:
        yield Hit(None, subject.history.near_duplicates_were(count))


@rule(
    "DG022",
    "nothing-specific",
    family="form-letter",
    needs=["recipient"],
    severity="warn",
    points=15,
    fails=[Example("Hi Amy, great to have you here! Let us know how we can help.",
                   recipient=Recipient(name="Amy Lee", bio="Potter in Lisbon, glaze nerd"),
                   context=Context(kind="welcome"))],
    passes=[
        Example("Hi Amy, a potter in Lisbon! Which glaze do you like most?",
                recipient=Recipient(name="Amy Lee", bio="Potter in Lisbon, glaze nerd"),
                context=Context(kind="welcome")),
        Example("Hi Amy, great to have you here!"),
    ],
)
def nothing_specific(subject: Subject) -> Iterator[Hit]:
    """Finds automated messages that mention nothing from the recipient's profile.

    Why: A message that could have gone to anyone did. Mentioning something the
    person wrote about themselves (bio, location, their last message) is the
    least a message that claims to be for them should do.
    Source: common complaints about form letters ("nothing specific to me").
    Use instead: refer to the person's bio, place or what they wrote.
    Options: runs only for automated messages whose recipient has a bio,
    location or earlier message.
    """
    recipient = subject.input.recipient
    if not subject.input.automated or recipient is None or not recipient.has_profile:
        return
    if not subject.personal_details:
        yield Hit(None, "mentions nothing from the recipient's bio, location or messages")


RULES = (welcome_boilerplate, stock_phrase, sales_follow_up, bot_notice, cold_pitch,
         weekday_greeting, self_pitch, near_duplicate, nothing_specific)
