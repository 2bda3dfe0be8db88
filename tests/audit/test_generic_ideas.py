"""Ideas of a form letter that need no bot's wording: a welcome DM whatever words follow it
(DG020), asking to be watched or followed (DG026), praise of a whole profile (DG030).

They are found by named rules, not left to the statistical judge. The texts below are
written for these tests, not taken from an eval corpus.
"""

from __future__ import annotations

import pytest

from dmguard.audit.engine import Auditor
from dmguard.audit.model import AuditInput, Context, Recipient
from dmguard.audit.rules.base import ANSWER_POINTS
from dmguard.clock import SimulatedClock
from dmguard.config import Config
from tests.conftest import START

FIXED = SimulatedClock(START)


AMY = Recipient(id="7", name="Amy Lee")
WELCOME = Context(kind="welcome", user_dmed_first=True)
ANSWER = Context(kind="reply", user_dmed_first=True)
SAM = Recipient(id="5", username="sam_k", name="Sam Okafor")


def named_rules(platform: str = "x") -> Auditor:
    """An auditor with the judge off, so that a hold shows the named rules' own reading."""
    config = Config.model_validate({"accounts": [{"name": "default", "platform": platform}],
                                    "audit": {"rules": {"DG095": {"enabled": False}}}})
    return Auditor.from_config(config, clock=FIXED, platform=platform, record=False)


def rules_of(text: str, platform: str = "x", recipient: Recipient | None = AMY,
             context: Context | None = None) -> tuple[str, set[str]]:
    """The verdict and the rules that found something, the judge off."""
    result = named_rules(platform).audit(AuditInput(text, platform=platform, recipient=recipient,
                                      context=context or WELCOME))
    return result.verdict, {f.rule for f in result.findings}


@pytest.mark.parametrize("text", [
    "Welcome Amy, mind the falling pianos.",
    "Welcome, Amy! Grab a seat anywhere.",
    "🎉 Welcome @amy_lee, the snacks are on the left",
    "welcome amy!!",
    "Bienvenue Amy, installe-toi",
    "Willkommen, Amy!",
    "Hey amy_lee Welcome to the server!",
    "Hi there and welcome to the crew",
])
def test_a_message_that_opens_by_welcoming_its_reader_is_held(text: str) -> None:
    """Before: only "welcome to the family/community/…" and "welcome aboard" were found; a
    welcome with a joke after it went out (even where the platform allows welcome DMs)."""
    verdict, rules = rules_of(text, platform="sandbox")
    assert verdict == "hold" and "DG020" in rules


@pytest.mark.parametrize("text", [
    "Welcome back! How was the trip to Porto?",
    "Welcome home Amy, the keys are under the blue pot",
    "Willkommen zurück, Amy! Wie war Lissabon?",
    "You're welcome, glad the refund came through",
    "Thanks! And welcome to you too",
    "Hi Amy, welcome back! Same table as last time?",
    "Hey, you're welcome, any time",
])
def test_welcome_back_home_or_youre_welcome_is_not_a_welcome_dm(text: str) -> None:
    assert "DG020" not in rules_of(text, platform="sandbox")[1]


@pytest.mark.parametrize("text", [
    "Check out my new channel!",
    "watch my videos xx",
    "pls sub to me, almost at 1k",
    "My covers are decent, check them out if you want.",
    "Go to my channel if you like cooking",
    "Thanks for the follow! Listen to our latest track on Spotify",
    "CHECK MY PLAYLIST OUT",
    "Check my channel",
    # to be followed, funded or counted
    "me segue ha https://www.facebook.com/someone",
    "Please help me go to college https://www.gofundme.com/f/my-college-fund",
    "PLEASE DONATE BITCOINS TO ME",
    "if I reach 500 subscribers I'll do a face reveal",
    # follow for follow, and a stranger's attention asked for
    "sub 4 sub? reply done when you sub back",
    "Follow me and I will follow you back",
    "Great video! Would mean a lot if you checked out my reaction",
    "come say hi on my Twitch tonight",
])
def test_asking_the_reader_to_watch_follow_or_fund_the_sender_is_held(text: str) -> None:
    verdict, rules = rules_of(text)
    assert verdict == "hold" and "DG026" in rules


@pytest.mark.parametrize("text", [
    "I watched your video twice, the ending got me",
    "I'll check out your channel tonight",
    "Can you check my order status?",
    "Our store opens at 9 tomorrow, see you then",
    "My sister loved the song you sent",
    "Sub? I thought the match was at 3",
    "Did you get my email?",
    "We donated to the shelter last week",
    "The video got 2k views already, wild",
    "It would mean a lot if you came to the wedding",
    "Come to my place after work?",
    "I'll call you back in 5",
])
def test_media_news_and_a_friends_favour_are_not_self_promotion(text: str) -> None:
    assert "DG026" not in rules_of(text)[1]


@pytest.mark.parametrize("text", ["Yes! Check out my channel, the tutorial is the second video",
                                  "It's on my soundcloud, just follow my page for the rest"])
def test_pointing_to_ones_channel_in_an_answer_only_adds_to_the_score(text: str) -> None:
    """The person wrote first and may have asked where to find it: DG026 warns, with fewer
    points, instead of holding."""
    auditor = named_rules()
    answer, unasked = (auditor.audit(AuditInput(text, recipient=AMY, context=context))
                       for context in (ANSWER, None))
    assert [(f.severity, f.points) for f in answer.findings if f.rule == "DG026"] == [
        ("warn", ANSWER_POINTS)]
    assert [(f.severity, f.points) for f in unasked.findings if f.rule == "DG026"] == [("hold", 40)]


@pytest.mark.parametrize("text", ["Visit our store for the spring collection",
                                  "Check out our website for opening hours"])
def test_a_shop_or_website_is_a_sales_call_not_self_promotion(text: str) -> None:
    assert "DG026" not in rules_of(text)[1]


@pytest.mark.parametrize("text", ["you have a lovely profile", "hello i love your page",
                                  "Love your feed!!", "Your profile is so inspiring"])
def test_praise_of_a_whole_profile_is_fake_personal_and_held(text: str) -> None:
    """Without a profile to check it against the claim only adds to the score, and that is
    enough to hold it."""
    verdict, rules = rules_of(text)
    assert verdict == "hold" and "DG030" in rules


@pytest.mark.parametrize("text", ["I love your work on the Lisbon bridge, how long did it take?",
                                  "love your profile pic, where was it taken?",
                                  "Great work today, the client was happy",
                                  "I liked your photos from the wedding"])
def test_praise_of_something_in_particular_is_not_fake_personal(text: str) -> None:
    assert "DG030" not in rules_of(text)[1]


def to_sam(text: str) -> set[str]:
    return rules_of(text, recipient=SAM)[1]


@pytest.mark.parametrize("text", [
    "Sam just slid into the chat. Hide the snacks!",
    "SAM HAS ARRIVED",
    "Oh wait, it's only @sam_k. Carry on.",
    "Where's sam_k? In the server!",
    "They'll never take our Sam.",
    "Is it Sam you're looking for?",
])
def test_a_dm_that_speaks_of_its_reader_in_the_third_person_is_held(text: str) -> None:
    """Before: a join line of a group bot went out as a DM to the person it announced."""
    assert "DG013" in to_sam(text)


@pytest.mark.parametrize("text", [
    "Hey Sam, how was the trip?", "Sam, is this parcel yours?", "Thanks Sam! See you at 8",
    "Sam! You made it 🎉", "Happy birthday Sam", "Finn just arrived with the cake, Sam",
    "Dear Sam Okafor, your order shipped", "Sam here from the shop: your bike is ready",
])
def test_calling_the_reader_by_name_is_not_speaking_of_them(text: str) -> None:
    assert "DG013" not in to_sam(text)


def test_someone_elses_name_or_an_unknown_reader_is_not_the_reader() -> None:
    assert "DG013" not in rules_of("Sam just joined. Can I get a heal?")[1]  # to Amy Lee
    assert "DG013" not in rules_of("Sam just joined. Can I get a heal?", recipient=None)[1]


def test_welcome_in_a_reply_to_someone_who_wrote_first_only_adds_to_the_score() -> None:
    """ "Thanks so much!" → "Welcome! Glad it helped": that may be "you're welcome"."""
    verdict, rules = rules_of("Welcome! Glad it helped", context=ANSWER)
    assert verdict == "send" and "DG020" in rules
    assert rules_of("Welcome! Glad it helped")[0] == "hold"


@pytest.mark.parametrize("text", [
    "Hi Raj, welcome to the team! To answer your question, the VPN guide is on the wiki",
    "Willkommen im Team, Jonas! Dein Schreibtisch ist am Fenster",
    "Thanks for following me back, I thought you'd forgotten me 😂 coffee soon?",
])
def test_a_welcome_or_thanks_in_a_reply_to_someone_who_wrote_first_is_an_answer(
        text: str) -> None:
    """QA: a team welcome answering a new colleague's question was held at 50 points."""
    verdict, rules = rules_of(text, recipient=None, context=ANSWER)
    assert verdict == "send" and "DG020" in rules


def test_a_canned_acknowledgement_is_held_even_in_a_reply() -> None:
    verdict, rules = rules_of("Thanks for your message :)", context=ANSWER)
    assert verdict == "hold" and "DG020" in rules


@pytest.mark.parametrize("text", [
    "Welcome Priya!! (everyone this is Priya from my lab, she's coming to quiz night too)",
    "Oi Jess, didn't know you were on this server! Welcome, ask me if you get lost",
    "Welcome Mirela! She's our new alto, she sang with the Camden choir for years",
    "Welcome to the road, Tunde! I'm Gwen at number 14 if you need a ladder",
    "Welcome to the book club, Ines. Lovely meeting you at the library on Thursday",
    "Welcome to the family chat, Kofi! Abena has been talking about you all summer",
])
def test_a_welcome_from_someone_who_knows_the_reader_is_a_persons(text: str) -> None:
    verdict, rules = rules_of(text, recipient=None, context=Context())
    assert verdict == "send", rules


@pytest.mark.parametrize("text", [
    "Welcome to the allotments, Bram! Your plot is 14C, and Jo will lend you a hose on Sunday.",
    "Welcome to the office, Chen. Your desk is number 6; I'll show you the coffee machine at 10.",
    "Welcome to the quiz team, Mo! We meet Thursdays at the Fox, Priya keeps the scores.",
    "Everyone welcome my cousin Ana, she just moved here for her nursing course",
    "Welcome to the street, Maya! We're at number 12, the ones with the noisy terrier.",
    "Bienvenida al coro, Inés. Soy Marta, tu compañera de atril; mañana ensayamos a las 7.",
    "Willkommen im Verein, Jonas! Ich bin Petra, deine Ansprechpartnerin. Training ist dienstags.",
    "Demos la bienvenida a mi prima Lucía, que acaba de llegar a Sevilla",
])
def test_a_welcome_with_arrangements_only_someone_there_could_make_is_a_persons(
        text: str) -> None:
    """QA: 36 of 42 welcomes people wrote to someone they know were held. Two of an arranged
    time, a numbered place, the sender's own commitment and someone else by name make the
    welcome a person's; it then only adds to the score."""
    verdict, rules = rules_of(text, recipient=None, context=Context())
    assert verdict == "send", rules


@pytest.mark.parametrize("text", [
    "Welcome to the raid server, Bram! Read #rules, raids are Thursdays at 8pm, Jo runs them.",
    "Welcome, Chen! Thanks for following. I'll send you my free guide tomorrow.",
    "Welcome to Book Club, Mo! Verify your email, the next read opens on the 15th at 6pm.",
])
def test_a_welcome_with_arrangements_still_holds_when_a_bot_could_have_sent_it(
        text: str) -> None:
    """Channels, links, verification, rules and roles are a server bot's; a thanks for
    following beside a particular welcome still holds."""
    verdict, rules = rules_of(text, recipient=None, context=Context())
    assert verdict == "hold" and "DG020" in rules, rules


@pytest.mark.parametrize("text", [
    "Welcome, Mirela! Make yourself at home.",
    "Welcome to the neighbourhood! We're your local property experts.",
    "Welcome Tunde! Read #rules and grab a role in #roles.",
])
def test_a_welcome_without_a_sign_of_knowing_the_reader_still_holds(text: str) -> None:
    """The excuses above are narrow: a bot's welcome, or a business's, holds as before."""
    verdict, rules = rules_of(text, recipient=None, context=Context())
    assert verdict == "hold" and "DG020" in rules, rules


@pytest.mark.parametrize("text", ["Welcome to the club, my knee went the same way last year",
                                  "Ha, welcome to my world. The printer hates me too"])
def test_welcome_idioms_are_not_welcome_lines(text: str) -> None:
    """QA: "welcome to the club" (me too) and "welcome to my world" were stock welcome lines;
    opening a message they are still read as a welcome only outside a reply."""
    assert "DG020" not in rules_of(f"Haha {text}", context=ANSWER)[1]


@pytest.mark.parametrize("text", ["omg Sam is famous now?? you were on the radio!",
                                  "sam_k is such a weird handle, when did you change it?"])
def test_speaking_of_the_reader_while_also_speaking_to_them_only_adds_to_the_score(
        text: str) -> None:
    """QA: teasing in the third person was held; a join line speaks to the room, not "you"."""
    verdict, rules = rules_of(text, recipient=SAM)
    assert verdict == "send" and "DG013" in rules


@pytest.mark.parametrize(("text", "rule"), [
    ("Suscríbete a mi canal, subo vídeos cada semana", "DG026"),
    ("Inscreva-se no meu canal!", "DG026"),
    ("Abonniere meinen Kanal für mehr", "DG026"),
    ("Abonne-toi à ma chaîne !", "DG026"),
    ("Iscriviti al mio canale", "DG026"),
    ("Folge mir und ich folge zurück!", "DG026"),
    ("Would really appreciate it if you gave my music a listen", "DG026"),
    ("Please share my GoFundMe, we're so close", "DG026"),
    ("Hit that subscribe button on my YouTube", "DG026"),
    ("Drop a follow on my Twitch", "DG026"),
    ("Your feed is goals 😍", "DG030"),
    ("Just came across your page and I'm obsessed!", "DG030"),
    ("Tu perfil es increíble 😍", "DG030"),
    ("Amei seu perfil! ❤️", "DG030"),
    ("J'adore ton profil !", "DG030"),
    ("Dein Profil ist super!", "DG030"),
    ("Adoro il tuo profilo! 😍", "DG030"),
])
def test_the_ideas_in_other_words_and_languages(text: str, rule: str) -> None:
    """QA: forms of the same ideas the first phrasing missed."""
    assert rule in rules_of(text)[1]


def test_a_welcome_excused_as_an_answer_is_no_evidence_for_the_judge() -> None:
    """QA: the judge, fitted on messages without context, read DG020's finding as the
    strongest sign of a welcome DM and held the answer anyway (p=0.80; 0.60 without it)."""
    config = Config.model_validate({"accounts": [{"name": "default", "platform": "x"}]})
    auditor = Auditor.from_config(config, clock=FIXED, platform="x", record=False)
    text = "Welcome to the team Raj, happy to answer: payroll runs on the 25th"
    answer, unasked = (auditor.audit(AuditInput(text, context=context))
                       for context in (ANSWER, None))
    assert answer.verdict == "send" and "DG095" not in {f.rule for f in answer.findings}
    assert unasked.verdict == "hold"


@pytest.mark.parametrize("text", [
    "Welcome, Tariq! You mentioned you restore old radios, we have a thread on valves.",
    "Hi Brigitte, welcome! Saw in your intro that you keep bees, so do two of our mods.",
    "Welcome to Oslo!! Can't believe you actually moved. Coffee on Friday?",
])
def test_a_welcome_that_tells_what_the_reader_said_or_did_only_adds_to_the_score(
        text: str) -> None:
    """QA: a moderator's or friend's welcome that refers to the reader's own words was held
    as a welcome DM; a template has nothing of the reader to refer to."""
    verdict, rules = rules_of(text, recipient=None, context=Context())
    assert verdict == "send" and "DG020" in rules


@pytest.mark.parametrize("text", [
    "It's dangerous to go out alone, take this sword! Welcome @lucas",
    "You're a wizard now. Welcome to the Potions Club!",
    "Sam, welcome to the hidden cave!",
    "ようこそ、ゆうきさん！",
    "Välkommen Sam!",
    "Hoş geldin Sam, kuralları oku",
])
def test_a_welcome_after_a_joke_by_name_or_in_other_languages_is_a_welcome_line(
        text: str) -> None:
    """QA: a welcome in a sentence of its own after the joke, after the name alone, or in
    Japanese, Swedish, Turkish, was not found."""
    assert rules_of(text, recipient=None, context=Context())[0] == "hold"


@pytest.mark.parametrize(("text", "rule"), [
    ("Sehr geehrte Damen und Herren, wir möchten Ihnen unser Angebot vorstellen", "DG010"),
    ("Estimado cliente, tenemos una oferta para usted", "DG010"),
    ("Madame, Monsieur, nous avons le plaisir de vous présenter", "DG010"),
    ("Hi Emma, are you still the right person to talk to about payroll?", "DG023"),
    ("I've reached out a few times and haven't heard back, so I'll assume it's not a priority",
     "DG027"),
    ("Just bumping this to the top of your inbox", "DG027"),
    ("Hi Anna, wanted to circle back on my note from Tuesday.", "DG027"),
    ("Roses are red, servers are blue, welcome @ibra, we waited for you", "DG020"),
    ("Everyone welcome Aarav to the chaos!", "DG020"),
    ("Olá, @carol! Seja bem-vindo(a) ao servidor", "DG020"),
    ("Bienvenido al grupo, Pablo", "DG020"),
    ("Sunucuya hoş geldin @emre!", "DG020"),
    ("We generate qualified leads for coaches on autopilot", "DG041"),
    ("We can get you onto page 1 in 90 days", "DG041"),
    ("Vuoi diventare ambassador del nostro brand?", "DG041"),
    ("Mau jadi reseller kami? DM ya", "DG041"),
    ("Pod rules: comment at least 4 words and drop your link below", "DG048"),
    ("Someone sent me a video of you, is it you?? clip-view.xyz/9kQ", "DG049"),
    ("Your page has been reported for copyright abuse, appeal within 24h", "DG049"),
    ("It's dangerous to go alone, @farah! Take the rules", "DG020"),
    ("A wild Tomasz appeared!", "DG020"),
    ("Houston, we have a newcomer: Svetlana", "DG020"),
    ("Like this comment if you're from Brazil 🇧🇷", "DG048"),
    ("Who's still listening in 2026? 👇", "DG048"),
    ("Tag a friend who needs to hear this", "DG048"),
    ("You have an unpaid toll balance of $6.89. Avoid a $50 late fee: tolls-pay.xyz", "DG049"),
    ("IRS: You are eligible for a tax refund of $842.15", "DG049"),
    ("Hi Caoimhe, great to have you in the Dublin Runners chat", "DG020"),
    ("@sam_k, welcome to the hidden valley!", "DG020"),
    ("I saw we have 14 mutual connections, so let's meet properly", "DG023"),
    ("Love this song, follow @dailysonghits for more gems", "DG026"),
    ("Free prepaid envelope for your old gold. Reply GOLD.", "DG047"),
    ("Not sure my last few emails reached you, Victor", "DG027"),
    ("Hey Emma, this is my last email on this, no hard feelings", "DG027"),
    ("Thanks for accepting my invite! I help founders scale", "DG020"),
    ("Merci pour la connexion ! J'accompagne les dirigeants", "DG020"),
    ("Beautiful pic 😍 send it to @promo_fashion to get featured", "DG026"),
    ("Amazing shot! Share it on @best_travel_pics", "DG026"),
    ("मेरे चैनल को सब्सक्राइब करो", "DG026"),
    ("Подпишись на мой канал!", "DG026"),
    ("Nos encanta tu perfil, buscamos embajadoras para nuestra marca", "DG041"),
    ("We're looking for brand ambassadors like you!", "DG041"),
    ("1 like = 1 prayer 🙏 ignore = bad luck for 7 years", "DG048"),
    ("Send this to 10 friends or your wish won't come true", "DG048"),
    ("Like if you agree 👇", "DG048"),
    ("OMG is this you in the photo?? lol https://tinyurl.com/y8photo", "DG049"),
    ("Congrats! You're one of 10 people chosen for our exclusive giveaway. DM to claim.", "DG046"),
    ("Thank you for your message! Our team will get back to you within 24-48 hours.", "DG020"),
    ("Welcome to the neighborhood! We're your local real estate experts.", "DG020"),
])
def test_form_letters_in_ideas_found_by_new_user_qa(text: str, rule: str) -> None:
    """QA (a set written by a helper who never saw the rules): ideas of a form letter with
    no rule: salutations to a category in other languages, the steps of a cold-outreach
    sequence, thanks for accepting a connection, promotion pages fishing for posts, brand
    ambassador recruiting, chain letters and engagement bait."""
    assert rule in rules_of(text, recipient=None)[1]


@pytest.mark.parametrize("text", [
    "Did you like the film? I think you'd agree the ending was rushed",
    "I'll send it to you and two friends tomorrow",
    "Hey, haven't heard back about Saturday, still on?",
    "You're the right person to ask: does the 14 bus stop at the station?",
    "Thanks for accepting the quote, the painters start Monday",
    "Your essay will be featured in Sunday's issue, congratulations!",
    "Did you see my last message? Are we still on for Friday?",
    "I'll circle back with the numbers tomorrow",
    "I haven't heard back from the landlord yet",
    "Hi Marta, following up on my email from Tuesday about invoice #2291. When will it be paid?",
    "Hey Priya, did you get a chance to look at my draft of the grant intro? No rush",
    "Bumping this in case it got buried: can you sign off on the logo colours?",
    "We got three new clients this month, drinks on me",
    "I love this photo of you at the lake, can I frame it?",
    "Hi Sam, your account was locked after three tries; I've unlocked it now",
    "I have several outstanding invoices from March, so money is tight",
    "Who's still up? Can't sleep",
    "Houston, we have a problem: the cake is on the floor",
])
def test_the_new_ideas_leave_people_alone(text: str) -> None:
    verdict, rules = rules_of(text, recipient=None, context=Context())
    assert verdict == "send", rules


def test_a_sales_nudge_holds_with_another_sign_and_only_adds_in_a_reply() -> None:
    nudge = "Just floating this back up. Would you be open to a quick call? Book here: cal.example.com"
    cold_verdict, cold = rules_of(nudge, recipient=None, context=Context())
    assert cold_verdict == "hold" and "DG027" in cold
    text = "Following up on my last email: the quote for your roof stands until Friday"
    alone_verdict, alone = rules_of(text, recipient=None, context=Context())
    assert alone_verdict == "send" and "DG027" in alone
    auditor = named_rules()
    answer = auditor.audit(AuditInput(text, context=ANSWER))
    follow_up = [f for f in answer.findings if f.rule == "DG027"]
    assert answer.verdict == "send"
    assert [f.points for f in follow_up] == [ANSWER_POINTS]


@pytest.mark.parametrize(("text", "rule"), [
    ("Your support ticket #88213 has been received and is in the queue.", "DG020"),
    ("Thanks for writing. Our office is closed until Monday 6 January.", "DG020"),
    ("I'm out of the office until the 14th with limited access to email.", "DG020"),
    ("We value every customer and have passed your feedback to the team.", "DG020"),
    ("Hi! I'm Nova, your virtual assistant. Pick a topic below.", "DG020"),
    ("Please rate your chat with us from 1 to 5.", "DG020"),
    ("Hi Tom, just checking in case my note slipped through the cracks", "DG027"),
    ("Una última cosa: somos una agencia de diseño y podemos ayudarte", "DG025"),
    ("Always keen to connect with fellow professionals in logistics", "DG023"),
    ("Mom, it's my new number, the old phone fell in the bath. Can you send me £200?", "DG049"),
    ("Our records show a payment of $899.00. If you didn't authorize this payment, call us.",
     "DG049"),
    ("You're eligible for a winter heating rebate of £150: claim at gov-rebates.help", "DG049"),
    ("Lost 2 BTC to fake brokers, then Agent Rowe got it back. Contact him on WhatsApp +1 555",
     "DG049"),
    ("This app pays you to play games, I earned $220 this week", "DG049"),
    ("Drop a ❤️ below if you made it to Friday!", "DG048"),
    ("Quick one: take our 20-second quiz and find your spirit snack", "DG048"),
    ("Buen video! Pásate por mi canal, subo covers cada semana", "DG026"),
    ("Hi Leo, I can tell you're driven, and that's rare these days", "DG030"),
    ("Your background really stands out. I'm inviting a select few of founders to a call",
     "DG030"),
    ("Ever thought of turning your passion into income? Free class tonight", "DG041"),
    ("⚠️ @rex that's warning 1 of 3", "DG028"),
    ("Tap the button below to verify you're not a robot", "DG028"),
    ("Your post was removed because it contained a link", "DG028"),
])
def test_ideas_from_the_later_writers_dev_halves(text: str, rule: str) -> None:
    """Writers 6 to 8 (bench/probes/dev_5 to dev_7): canned replies that stand in for an
    answer, moderation bots' notices, the "hi Mum, new number" scam, fake charges, rebates
    to claim, testimonials that send the reader to a contact, quizzes and "drop a ❤️"."""
    assert rule in rules_of(text, recipient=None)[1]


@pytest.mark.parametrize("text", [
    "I've received your request for the Friday off, that's fine",
    "The office is closed tomorrow, so let's meet at the café instead",
    "My phone died, this is Sam on Jo's phone. Running late!",
    "Mum it's me, I'm on Jo's phone, mine died. Home by 8",
    "Sam was banned from the pub quiz for googling answers, ha",
    "I got a warning from the ref, two more and I'm off",
    "Did you see the comments below the article? Wild",
    "Your refund is approved, it should reach your card in 3-5 days",
    "Hi Ana, you're eligible for the staff discount now that your trial is over, I checked",
])
def test_the_later_writers_ideas_leave_people_alone(text: str) -> None:
    verdict, rules = rules_of(text, recipient=None, context=Context())
    assert verdict == "send", rules


@pytest.mark.parametrize("text", [
    "Hi Chris, I help e-commerce brands recover abandoned carts with SMS. Would you be open to "
    "a 10-minute call?",
    "Hi Rosa, we help physiotherapy practices fill cancelled slots. Worth a quick chat?",
    "We've built an AI tool that drafts your invoices. Can I send you a two-minute demo?",
    "Hallo Herr Kunz, wir unterstützen kleine Betriebe bei der Buchhaltung. Hätten Sie 15 "
    "Minuten?",
    "Olá, somos uma agência de tráfego pago. Podemos agendar uma conversa?",
])
def test_a_value_proposition_with_an_ask_for_time_is_a_cold_pitch(text: str) -> None:
    verdict, rules = rules_of(text, recipient=None, context=Context())
    assert verdict == "hold" and "DG029" in rules


@pytest.mark.parametrize("text", [
    "I help my dad with his shop on Saturdays, would you be up for coffee after?",
    "We help out at the food bank, are you open to joining us on Sunday?",
    "Hi Ms. Arroyo, would you have 20 minutes to talk about a role on our platform team?",
    "Brands like yours never answer my emails, so I'm trying here",
    "I help beginners at the climbing wall on Tuesdays; the session is 90 minutes",
    "We made a cash offer on the flat! Would you be up for viewing it with us?",
])
def test_half_a_pitch_or_a_persons_own_ask_is_no_cold_pitch(text: str) -> None:
    assert "DG029" not in rules_of(text, recipient=None, context=Context())[1]


def test_a_cold_pitch_in_a_reply_to_someone_who_asked_only_adds_to_the_score() -> None:
    text = "We help small shops like yours with bookkeeping. Would a 15-minute call help?"
    auditor = named_rules()
    cold = auditor.audit(AuditInput(text, context=Context()))
    assert cold.verdict == "hold" and "DG029" in {f.rule for f in cold.findings}
    answer = auditor.audit(AuditInput(text, context=ANSWER))
    pitch = [f for f in answer.findings if f.rule == "DG029"]
    assert [f.points for f in pitch] == [ANSWER_POINTS]


@pytest.mark.parametrize(("text", "rule"), [
    ("Auto-reply: I'm travelling this week. For press inquiries please contact Jo at press@x.io",
     "DG020"),
    ("Thanks for reaching us! Our support hours are 9am to 5pm, Monday to Friday.", "DG020"),
    ("Still need help? Type AGENT to talk to a person.", "DG020"),
    ("We're closed for the holidays until 3 January. See you in the new year!", "DG020"),
    ("hey! I'm not checking DMs during exams, back in June", "DG020"),
    ("Recebemos sua mensagem! Em breve um atendente vai te responder.", "DG020"),
    ("Hemos recibido tu consulta y te responderemos en 24 horas.", "DG020"),
    ("Send 0.5 ETH to the wallet below and receive 1 ETH back within the hour", "DG049"),
    ("is this you in this video?? 😳 vid-share.co/k2Lp9", "DG049"),
    ("Selamat! Akun kamu terpilih dapat hadiah. Klaim sekarang: hadiah.xyz", "DG049"),
    ("Hi Leo, I'm a mindset coach and I'd love to offer you a complimentary session this week.",
     "DG029"),
    ("Hi Zanele, I'm with a PR firm that gets founders into Forbes. Open to hearing how?",
     "DG029"),
    ("Quick question, Maria: who handles marketing at Oakridge? Have an idea that could fill "
     "your calendar.", "DG029"),
    ("Hola Valentina, estamos buscando embajadores de marca. ¿Te interesa?", "DG041"),
    ("Hättest du Lust auf eine bezahlte Kooperation mit unserer Marke?", "DG041"),
    ("Hi, I'm Max! How can I help? Choose an option: 1) Billing 2) Returns", "DG020"),
    ("Our engineers are aware of the issue. We'll update you once it's resolved.", "DG020"),
    ("Thanks so much, it really means a lot to the whole team!", "DG020"),
    ("Who's still listening in 2026? 👇", "DG048"),
    ("Like if you came here from TikTok", "DG048"),
    ("Hi Chidi, we're looking for KOLs for our token launch, paid in USDT. DM back if keen",
     "DG029"),
    ("Hola Vale, estamos buscando embajadoras de marca. ¿Te interesa?", "DG029"),
    ("gm fam, engage with my latest post and I'll engage back 🤝", "DG026"),
    ("We're live on Product Hunt! An upvote would mean the world 🙏", "DG026"),
    ("Free bootcamp tomorrow, registration closes in 6 hours", "DG042"),
    ("Save your seat for Thursday's webinar: bit.ly/x", "DG041"),
    ("Apple ID locked for security reasons. Unlock it at appleid-check.com", "DG049"),
    ("Sparkasse: Ihr pushTAN-Verfahren läuft ab. Bitte aktualisieren: spk-update.de", "DG049"),
    ("URGENT: the IRS has filed a lawsuit against you. Call back now to avoid arrest.", "DG049"),
    ("Your car's extended warranty is about to expire.", "DG049"),
    ("hi, i accidentally sent my 6 digit code to ur number, can u forward it?", "DG049"),
    ("lol sorry wrong number 😅 but you seem nice, where are u from?", "DG049"),
    ("nice vid! check out my profile too 👀", "DG026"),
    ("hey there! just a friendly bot here, a real human will get back to u soon", "DG020"),
    ("Hi Meera, I run an agency that builds Shopify stores. Mind if I send you 3 quick wins?",
     "DG029"),
    ("Olá Rafael! Vi seu perfil e temos uma vaga para você.", "DG030"),
    ("Dear SBI user, your details need updating.", "DG010"),
    ("@anya was banned. Reason: scam links in DMs.", "DG028"),
    ("Top chatters this week: 1. @mei 2. @obi", "DG028"),
    ("Topic of the day: the last book you couldn't put down?", "DG028"),
])
def test_ideas_from_the_ninth_writers_dev_half(text: str, rule: str) -> None:
    """Writer 9 (bench/probes/dev_8): auto-replies and service hours in several languages,
    crypto "giveaways" that double what is sent, a coach's or a PR firm's pitch, paid
    collaborations offered to strangers."""
    assert rule in rules_of(text, recipient=None)[1]


@pytest.mark.parametrize("text", [
    "were you in the photos from the wedding? they're at photos.app.goo.gl/x",
    "Our opening hours changed, so I'll come Thursday instead",
    "Type the agent's name into the form, it's Sara",
    "I'm a life coach too! How did you find the course?",
    "I didn't get the job at the PR firm, but I'm fine",
    "The first comment on your post was so funny",
    "I'll update you once I hear from the landlord",
    "Anyone else here for the quiz tonight? Table by the window",
    "We're looking for volunteers for the bake sale, are you interested?",
    "My account got locked again, I'll call the bank tomorrow",
    "I think u have the wrong number.",
    "Can you check my profile pic? Does it look weird?",
    "The bot was offline all morning, I restarted it",
])
def test_the_ninth_writers_ideas_leave_people_alone(text: str) -> None:
    _verdict, rules = rules_of(text, recipient=None, context=Context())
    assert not {"DG020", "DG026", "DG028", "DG029", "DG048", "DG049"} & rules, rules
