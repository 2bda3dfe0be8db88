"""The judge (DG095): shipped in the package, explainable, rebuilt deterministically, licensed data only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dmguard.audit.engine import Auditor
from dmguard.audit.judge import Judge, active, overridden
from dmguard.audit.judge.model import MODEL_PATH
from dmguard.audit.judge.train import DEFAULT_EVAL, dump, fit, main, seed_rows
from dmguard.audit.model import AuditInput
from dmguard.audit.text import Prepared
from dmguard.clock import SimulatedClock
from dmguard.policy import built_in_policies
from tests.conftest import START

#: The audit's "now" in these tests (nothing here depends on the hour).
FIXED = SimulatedClock(START)

# Written here, not imported from train.py, so that widening the list there is a visible choice:
# the sources whose licence allows shipping a model derived from them.
ALLOWED = {
    "seed:dmguard",                          # project-written, MIT
    "sms_spam",                              # UCI SMS Spam Collection: free for all purposes
    "github:yjose/twitter-bot",              # MIT
    "github:nirholas/XActions",              # Apache-2.0
    "github:josavagenawff/instabot",         # Apache-2.0
    "pypi:chitchat-dataset==0.9.0",          # MIT
    "persuasionforgood",                     # Apache-2.0
    "topical_chat/valid_freq",               # CDLA-Sharing-1.0
    "topical_chat/valid_rare",               # CDLA-Sharing-1.0
    "youtube_spam_collection/01-Psy",        # CC BY 4.0
    "youtube_spam_collection/02-KatyPerry",  # CC BY 4.0
}

FORM_LETTER = ("Hey! Thanks for following, check out my new channel and subscribe for daily "
               "videos!! Link in bio")
PERSONAL = "Are we still on for lunch on Thursday? I can book the table at 1"


def dg095(text: str) -> list[str]:
    auditor = Auditor(clock=FIXED, policies=built_in_policies(), default_platform="x", record=False)
    return [f.message for f in auditor.audit(AuditInput(text)).findings if f.rule == "DG095"]


def test_the_model_ships_inside_the_package_and_is_small() -> None:
    assert MODEL_PATH.parent.name == "judge" and MODEL_PATH.exists()
    assert MODEL_PATH.stat().st_size < 1_000_000
    judge = active()
    assert len(judge.weights) > 100


def test_the_shipped_model_was_fitted_only_on_allowed_sources() -> None:
    meta = json.loads(MODEL_PATH.read_text(encoding="utf-8"))["meta"]
    fitted = {item["unit"] for item in meta["fitted_on"]}
    assert fitted, "the model file must say what it was fitted on"
    assert fitted <= ALLOWED, f"fitted on sources outside the allowed list: {fitted - ALLOWED}"


def test_a_form_letter_is_held_and_the_finding_names_words() -> None:
    found = dg095(FORM_LETTER)
    assert len(found) == 1
    assert "reads as automated" in found[0]
    assert "'" in found[0], "the finding names at least one word"


def test_a_personal_message_gets_no_finding() -> None:
    assert dg095(PERSONAL) == []
    assert dg095("Congrats on the new job!! So proud of you") == []


def test_the_threshold_and_switch_come_from_config() -> None:
    from dmguard.config import RuleSetting

    strict = Auditor(clock=FIXED, policies=built_in_policies(), default_platform="x", record=False,
                     rules={"DG095": RuleSetting(threshold=0.0)})  # type: ignore[call-arg]
    assert any(f.rule == "DG095" for f in strict.audit(AuditInput(PERSONAL)).findings)
    off = Auditor(clock=FIXED, policies=built_in_policies(), default_platform="x", record=False,
                  rules={"DG095": RuleSetting(enabled=False)})
    assert not any(f.rule == "DG095" for f in off.audit(AuditInput(FORM_LETTER)).findings)


def test_an_overriding_judge_is_used_and_restored() -> None:
    shipped = active()
    never = Judge({}, -50.0)
    with overridden(never):
        assert dg095(FORM_LETTER) == []
    assert active() is shipped


def test_fitting_is_deterministic_on_the_seed() -> None:
    rows = seed_rows()
    assert dump(fit(rows)) == dump(fit(rows))


@pytest.mark.slow
def test_make_model_rebuilds_the_shipped_file_byte_for_byte(tmp_path: Path) -> None:
    if not DEFAULT_EVAL.is_dir():
        pytest.skip(f"no eval corpus at {DEFAULT_EVAL}")
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["--eval", str(DEFAULT_EVAL), "--out", str(first)]) == 0
    assert main(["--eval", str(DEFAULT_EVAL), "--out", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() == MODEL_PATH.read_bytes(), "model.json is stale: run `make model`"


AWKWARD = [FORM_LETTER, PERSONAL, "", " ", "Sam has joined the party!", "https://x.example.com/a",
           "@shop 12345 🎉🎉🎉 lol lol lol LOL", "sub4sub? I'll sub back, check my channel",
           "Welcome, Sam.", "the the the the", "Ünïcode wörds, naïve café ☕ x2", "a\nb\n\nc",
           "Verify your account here: www.example.com or your prize expires",
           "Hey Priya, welcome to the server! Read the rules.", "I..it's just Marco.",
           "Sub to my channel, I'm a 14 year old rapper, 100 subscribers soon",
           "Glad you made it, Sam!", "Hi, Ömer! is it you?", "thanks @shop, see https://a.example"]


@pytest.mark.parametrize("text", AWKWARD)
def test_the_fast_path_agrees_with_the_explained_one(text: str) -> None:
    """Every audit takes the fast path (no feature strings); a held message is explained by
    the slow one. Both must add up the same weights."""
    import math

    from dmguard.audit.judge.features import features

    judge = active()
    for found in ((), ("welcome-boilerplate", "stock-phrase")):
        judgement = judge.judge(text, found)
        assert judgement.probability == pytest.approx(
            1 / (1 + math.exp(-judge.logit(text, found))), abs=1e-9)
        expected = sorted(w for f in features(text, found) if (w := judge.weights.get(f, 0)) > 0)
        assert sorted(w for _, w in judgement.reasons) == pytest.approx(expected)
        assert judge.judge(text, found, explain_from=1.01).reasons == []


@pytest.mark.parametrize("text", AWKWARD)
def test_the_reasons_are_in_the_order_of_their_strength(text: str) -> None:
    """The two sorts keyed in C give the order :func:`_strength` defines: strongest first,
    equal weights by feature."""
    from dmguard.audit.judge.model import _strength

    reasons = active().judge(text, ("welcome-boilerplate",)).reasons
    assert reasons == sorted(reasons, key=_strength)
    assert reasons == sorted(reversed(reasons), key=_strength)


def explain_by_groups(reasons: list[tuple[str, float]], text: str, count: int) -> str:
    """The plain definition of :meth:`Judgement.explain`: the first ``count`` distinct names of
    the word reasons and of the shape reasons, each group on its own; at least half words."""
    from dmguard.audit.judge.model import describe

    def strongest(group: list[tuple[str, float]]) -> list[tuple[float, str]]:
        chosen: list[tuple[float, str]] = []
        for feature, weight in group:
            name = describe(feature, text)
            if len(chosen) < count and name not in [n for _, n in chosen]:
                chosen.append((weight, name))
        return chosen

    shapes = strongest([r for r in reasons if r[0][0] == "s" and not r[0].startswith("s:len")])
    words = strongest([r for r in reasons if r[0][0] not in "sr"])
    taken = min(len(words), (count + 1) // 2)
    chosen = words[:taken] + shapes[: count - taken]
    chosen += words[taken: taken + count - len(chosen)]
    return ", ".join(name for _, name in sorted(chosen, key=lambda item: -item[0]))


@pytest.mark.parametrize("text", AWKWARD)
def test_the_explanation_in_one_pass_names_what_each_group_names(text: str) -> None:
    judgement = active().judge(text, ("welcome-boilerplate",))
    for count in (1, 2, 4, 7):
        assert judgement.explain(count) == explain_by_groups(judgement.reasons, text, count)


def test_a_message_that_mentions_the_readers_profile_is_left_to_the_named_rules() -> None:
    from dmguard.audit.model import Recipient
    from dmguard.config import RuleSetting

    strict = Auditor(clock=FIXED, policies=built_in_policies(), default_platform="x", record=False,
                     rules={"DG095": RuleSetting(threshold=0.0)})  # type: ignore[call-arg]
    text = "Hi Amy! Greetings to Lisbon. What brought you here? Just reply if we can help."
    bare = strict.audit(AuditInput(text))
    assert any(f.rule == "DG095" for f in bare.findings)
    specific = strict.audit(AuditInput(text, recipient=Recipient(name="Amy Lee", location="Lisbon")))
    assert not any(f.rule == "DG095" for f in specific.findings)


@pytest.mark.parametrize(("text", "shape"), [
    ("Kenji just hopped into the chat, everyone wave!", "s:arrival"),
    ("Kenji just hopped into the chat, everyone wave!", "s:group-arrival"),
    ("Welcome, Kenji! Read the rules and introduce yourself.", "s:newcomer-instructions"),
    ("Hey Kenji, welcome to the server!", "s:names-someone-arriving"),
    ("Something moved in the dark... oh, it's just Kenji.", "s:reveals-name"),
    ("Help me reach 500 subscribers, sub to my channel", "s:audience-ask"),
    ("Hey guys I'm a 15 year old producer, I make beats", "s:creator"),
    ("We're a boutique SEO agency helping clinics rank locally.", "s:pitch"),
    ("I help coaches land ten new clients a month.", "s:pitch"),
    ("Are you the right person to talk to about your hiring plans?", "s:meeting-ask"),
    ("Are you still the person in charge of marketing at Acme?", "s:meeting-ask"),
    ("If not, could you point me to whoever handles vendors?", "s:meeting-ask"),
    ("We specialise in payroll. Would you be open to a short call?", "s:pitch+meeting-ask"),
    ("Would you be up for that?", "s:meeting-ask"),
    ("I'd love to show you what our tool does", "s:meeting-ask"),
    ("I trust this message finds you well.", "s:well-wish"),
    ("Work from home and earn $250/day, no experience needed", "s:easy-money"),
    ("My cousin pays $1,200 a month for that flat", "s:easy-money"),
    ("Earned $3,200 this week thanks to @fx_mark", "s:easy-money"),
    ("She helped me earn back everything I lost", "s:easy-money"),
    ("Welcome, Tariq! You mentioned you restore old radios", "s:knows-reader"),
    ("Can't believe you actually moved to Oslo", "s:knows-reader"),
    ("Didn't know you were on this server too!", "s:knows-reader"),
    ("Welcome Priya!! (everyone, this is Priya from my lab)", "s:knows-reader"),
    ("New member alert: it's my sister Hana, be nice", "s:knows-reader"),
    ("Hi Wren, I moved your post to #bugs so the devs see it", "s:reports-what-was-done"),
    ("We swapped the cracked tile for free", "s:reports-what-was-done"),
    ("I've helped 40+ founders cut their cloud bill", "s:pitch"),
    ("Can we repost it on our page with credit?", "s:asks-to-use-theirs"),
    ("Mind if I use your photo in my slides?", "s:asks-to-use-theirs"),
    ("@maya_k has landed. Everyone act cool.", "s:names-someone-arriving"),
    ("Yay, @bunnyhop is here! We hope you brought snacks.", "s:names-someone-arriving"),
    ("BREAKING: local legend @akua joins server", "s:names-someone"),
    ("Olha quem chegou! @gabi_lima entrou no grupo", "s:names-someone"),
    ("Is it a raid? No, it's just @oskar_v.", "s:reveals-name"),
    ("Great song! My first single dropped today btw", "s:creator"),
    ("I do reaction videos, you'd like them", "s:creator"),
    ("Ayudamos a empresas como la tuya a vender más", "s:pitch"),
    ("Wir unterstützen mittelständische Unternehmen bei der Buchhaltung", "s:pitch"),
    ("Je me permets de vous contacter au sujet de votre site", "s:pitch"),
    ("Tomasz came in like a wrecking ball this morning. Just kidding, welcome!", "s:arrival"),
    ("Glad you made it to the party, Jo!", "s:arrival"),
    ("Hastings was late again, tell him the bus leaves at 8", "s:about-someone-by-name"),
    ("Check out our page for daily memes", "s:self-promotion"),
])
def test_the_shapes_name_the_ideas(text: str, shape: str) -> None:
    from dmguard.audit.judge.features import features

    assert shape in features(text)


@pytest.mark.parametrize(("text", "shape"), [
    ("We help out at the shelter on Sundays", "s:pitch"),
    ("I'm with you on that, the ending was weak", "s:pitch"),
    ("Can you help me move the sofa?", "s:pitch"),
    ("Let's have a chat about it tomorrow", "s:meeting-ask"),
    ("I hope so, the tickets sold out fast", "s:well-wish"),
    ("I made 3 loaves of bread today", "s:easy-money"),
    ("I helped my brother move flats", "s:pitch"),
    ("You asked for it: our biggest sale is back!", "s:knows-reader"),
    ("I noticed your profile and loved your work", "s:reports-what-was-done"),
    ("We've helped 40 firms like yours grow", "s:reports-what-was-done"),
    ("We tried to contact you about your prize", "s:reports-what-was-done"),
    ("Can we share a cab to the airport?", "s:asks-to-use-theirs"),
    ("Thanks for tagging us, can we repost it on our page?", "s:self-promotion"),
    ("@AmazonHelp is useless, my parcel is still missing", "s:names-someone-arriving"),
    ("Hi Sven, the part for your espresso machine came in this morning", "s:arrival"),
    ("Glad you made it home safe, Jo", "s:arrival"),
    ("My sister landed at 6, so dinner is on", "s:arrival"),
    ("Your order shipped this morning, tracking is here: https://post.example/123", "s:arrival"),
    ("Not to be that person but the Battle of Hastings was 1066", "s:about-someone-by-name"),
    ("The University of Leeds has a great course on it", "s:about-someone-by-name"),
])
def test_a_shape_needs_its_idea_not_just_its_words(text: str, shape: str) -> None:
    from dmguard.audit.judge.features import features

    assert shape not in features(text)


@pytest.mark.parametrize(("text", "automated"), [
    ("Hi Ines, we're a small design agency helping cafes get more bookings. Open to a quick chat?",
     True),
    ("Hope this finds you well! I'm reaching out because we can help you triple your sales.",
     True),
    ("Earn $300 a day from home, message me and I'll show you how 💸", True),
    ("Hi Ines, can we hop on a quick call after lunch about the budget slides?", False),
    ("Hope you're feeling better! I left soup on your doorstep.", False),
])
def test_a_pitch_to_a_stranger_is_held_and_a_colleagues_ask_is_not(text: str,
                                                                     automated: bool) -> None:
    judgement = active().judge(text)
    assert (judgement.probability >= looks_automated_threshold()) == automated, \
        judgement.probability


def looks_automated_threshold() -> float:
    from dmguard.audit.rules.judge import DEFAULT_THRESHOLD

    return DEFAULT_THRESHOLD


@pytest.mark.parametrize("text", [
    "Honestly, I think the second season was better",
    "Hello. Is the shop open on Sundays?",
    "we went to the museum on Sunday",
    "Hey Kenji, how was the trip?",  # a greeting and a name: what every DM has
])
def test_a_sentence_opener_is_not_taken_for_a_name(text: str) -> None:
    from dmguard.audit.judge.features import features

    assert "s:names-someone" not in features(text)


def test_fitting_never_sees_the_one_name_the_eval_rendered() -> None:
    from dmguard.audit.judge.train import FIT_NAMES, RENDERED_NAME, Row, rendered

    row = Row(f"Welcome {RENDERED_NAME}!", True, "u", "Welcome {name}!")
    assert rendered(row, FIT_NAMES).text.split()[1].rstrip("!") in FIT_NAMES
    untouched = Row(f"{RENDERED_NAME} wrote this", False, "u", "")
    assert rendered(untouched, FIT_NAMES) == untouched
    literal = Row(f"Welcome {RENDERED_NAME}!", True, "u", f"Welcome {RENDERED_NAME}!")
    assert rendered(literal, FIT_NAMES) == literal


def outputs_across_hash_seeds(script: str, seeds: range) -> set[str]:
    """What ``script`` prints, once per process, each with its own PYTHONHASHSEED."""
    return {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           check=True, env={**os.environ, "PYTHONHASHSEED": str(seed)}
                           ).stdout for seed in seeds}


def test_the_words_a_finding_names_do_not_depend_on_the_hash_seed() -> None:
    """Reasons of equal weight come from sets (words, pairs); Python orders a set of
    strings by a hash that changes from one process to the next. The finding must not."""
    script = ("from dmguard.audit.judge import Judge\n"
              "words = ('apple', 'pearl', 'mango', 'lemon', 'grape', 'melon')\n"
              "judge = Judge({'w:' + word: 1.0 for word in words}, 0.0)\n"
              "print(judge.judge(' '.join(words)).explain(2))\n")
    assert outputs_across_hash_seeds(script, range(1, 9)) == {"'apple', 'grape'\n"}


def test_the_probability_does_not_depend_on_the_hash_seed() -> None:
    """Floating-point sums depend on their order, and the words come from a set: with
    these weights a left-to-right sum gives 0 or 1 depending on the order, the exact
    sum always 1."""
    script = ("from dmguard.audit.judge import Judge\n"
              "weights = {'w:apple': 1e16, 'w:pearl': 1.0, 'w:mango': -1e16}\n"
              "judge = Judge(weights, 0.0)\n"
              "print(round(judge.probability('apple pearl mango'), 4))\n")
    assert outputs_across_hash_seeds(script, range(1, 13)) == {"0.7311\n"}


@pytest.mark.parametrize("text", AWKWARD)
def test_the_reasons_come_in_two_groups_that_explain_reads_apart(text: str) -> None:
    """Words, pieces and pairs in one group, shapes and findings in the other, each in the
    order of :func:`_strength`; below ``explain_from`` neither is gathered."""
    from dmguard.audit.judge.model import _strength

    judgement = active().judge(text, ("welcome-boilerplate",))
    assert all(feature[0] not in "sr" for feature, _ in judgement.words)
    assert all(feature[0] in "sr" for feature, _ in judgement.others)
    for group in (judgement.words, judgement.others):
        assert group == sorted(group, key=_strength)
    assert judgement.reasons == sorted(judgement.words + judgement.others, key=_strength)
    assert judgement.explained == bool(judgement.words or judgement.others)
    assert not active().judge(text, ("welcome-boilerplate",), explain_from=1.01).explained


def test_the_ascii_word_split_finds_what_the_word_regex_finds() -> None:
    import random

    from dmguard.audit.judge.model import WORDS, words_of

    rng = random.Random(5)
    alphabet = "abcXYZ'' _-09.,!?\n\t’é"
    texts = ["", "'", "''", "don't", "'tis", "a''b", "rock'n'roll", "it's 5 o'clock!", "x'",
             "Hey Dev, we are launching our spring sale next week with 20% off everything."]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
              for _ in range(3000)]
    # and texts without an apostrophe (most messages: split in one go)
    texts += ["".join(rng.choice(alphabet.replace("'", "")) for _ in range(rng.randint(0, 30)))
              for _ in range(1000)]
    for text in texts:
        lower = text.lower()
        assert words_of(lower) == WORDS.findall(lower), text


@pytest.mark.parametrize("text", AWKWARD)
def test_a_remembered_judgement_is_the_one_worked_out_afresh(text: str) -> None:
    """:meth:`Judge.judge` remembers the judgements of recent texts: asked again, with or
    without reasons, in either order, it answers what a judge that never saw the text does."""
    judge = Judge.load()
    found = ("welcome-boilerplate",)
    for explain_from in (2.0, 0.0, 2.0, 0.0, 0.5):
        again = judge.judge(text, found, explain_from=explain_from)
        fresh = Judge.load()._judge(Prepared(text), frozenset(found), explain_from)
        assert again == fresh
        assert again.explain(3) == fresh.explain(3)
    assert judge.judge(text).probability == Judge.load().judge(text).probability


def test_a_new_words_weight_and_pushes_are_those_of_its_feature_strings() -> None:
    """:meth:`Judge._learn_words` looks a new word's weights up by word and piece; it must
    find what adding up :func:`word_features` finds, in the same order (the sum is not
    reordered), for every kind of token and for words the model has pieces of."""
    from dmguard.audit.judge.features import FUNCTION_WORDS, tokens, word_features

    judge = Judge.load()
    words = {f[2:] for f in judge.weights if f.startswith("w:")}
    words |= {f[2:].strip("^$") for f in judge.weights if f.startswith("c:")}
    words |= set(FUNCTION_WORDS) | {"<url>", "<at>", "<num>", "<longnum>", "<emoji>", "a", "ab",
                                    "abc", "abcd", "zzzzzzzz", "subscriberz", "kaloremi"}
    for text in AWKWARD:
        words |= set(tokens(text.lower()))
    judge._learn_words(words)
    for word in words:
        scored = [(f, judge.weights[f]) for f in word_features(word) if f in judge.weights]
        assert judge._word_weight[word] == sum(w for _, w in scored), word
        assert judge._word_pushes[word] == tuple(i for i in scored if i[1] > 0), word
