"""Stance: VADER polarity with survey cues, for/against, shares and their wording."""

from __future__ import annotations

import socket

import pytest

from themes.text import stance
from themes.text.stance import (
    describe_stance,
    for_against,
    stance_labels,
    stance_scores,
    stance_shares,
)


def label(text: str) -> str:
    return stance_labels([text])[0]


@pytest.mark.parametrize(
    "text",
    [
        "The staff were lovely and kind",
        "Nothing to improve, all excellent",
        "I have never had any issues",
        "I would consider it",
        "Keep doing what you are doing",
        "Don't change a thing",
        "Better than expected",
        "More than happy with the care",
        # a leading "Nothing." does not negate the praise after it (VADER ignores punctuation)
        "Nothing. Excellent service.",
        "Nothing, very happy with the service.",
        "Nothing all very good.",
        # praise phrased as a negation
        "Could not have done anything better",
        "Couldn't fault them",
        "I like the staff",
        "Everything! I cant fault the support.",
        "Hard to find any faults.",
        "Can't think of a thing that could have been better.",
        "Nothing could be improved.",
        "Nothing but praise for the staff.",
        "No everything is ok.",
        "Keep it the same.",
        # service words VADER's lexicon lacks, and short waits
        "Staff were very professional and polite.",
        "Listened to me and explained everything.",
        "We did not have to wait too long.",
        "The wait was not long.",
        "Arrived very quickly.",
        "Quick response from the crew.",
        # praise phrased as what could not have been better
        "You could have not done anything better.",
        "I cannot see any way you could do better.",
        "Nothing at all, could not have been happier.",
        "Could not be more helpful.",
        "I wish you all the best.",
        # praise idioms VADER has no words for, and services named for what they treat
        "The staff went above and beyond.",
        "Spot on.",
        "Second to none.",
        "Put my mind at rest.",
        "Took me seriously.",
        "They took the time to explain everything.",
        "Very prompt.",
        "Nothing was too much trouble.",
        "Problem solved.",
        "The crisis team have been amazing.",
        "No one was rude.",
        "Could not get any better.",
        "Cannot better this.",
        "Not a thing. Perfect.",
    ],
)
def test_positive(text):
    assert label(text) == "positive"


@pytest.mark.parametrize(
    "text",
    [
        "The wait was far too long and nobody explained anything",
        "not good at all",
        "There was a lack of analytical capacity",
        "Not enough staff on the ward",
        "Communication could be better",
        "The booking system needs to improve",
        "They should have told me sooner",
        "Nobody called me back and I never got a letter",
        "The receptionist was rude and I was ignored",
        "I would not consider it",
        "I am not comfortable with this",
        "My main concern is the cost",
        "No concerns, but the wait was too long",
        # requests for change: no negative word, but the present falls short
        "More activities",
        "Better communication between departments",
        "Could have arrived sooner",
        "It would be nice if someone called back",
        "Improve waiting times for calls to be answered",
        "Send a better driver.",
        "Listened more.",
        # long waits stated as facts
        "I waited 2 hours for transport home.",
        "It took a long time for 111 to answer.",
        "To long to connect",
        "The later sessions were less useful",
        "It was a long wait.",
        "Waited quite a long time for someone to answer the phone",
        # requests: a sentence that opens with what to do, the praise words in it included
        "Treat people like me with respect.",
        "Explain the rules about the ward to patients.",
        "Be more professional.",
        "More polite staff.",
        "Would have liked more information.",
        "Could have done with easier transport.",
        "Doctors need to listen to us.",
        "Nothing apart from the waiting time.",
        "The food was fine. Stop cancelling appointments.",
        # service words VADER's lexicon lacks
        "Staff were unhelpful and dismissive.",
        "Not very professional.",
        "Did not listen to what was explained.",
        # what could have been better, the quality asked for included; wishes and hedged suggestions
        "Booking office could be more helpful.",
        "Ambulance could of been quicker",
        "Some of the staff could be more caring.",
        "More sessions would be good.",
        "Cup of tea would be nice!",
        "Perhaps saving patients details on system allowing for easier service.",
        "Just wish they could have got to us earlier",
        # speed asked for, anywhere in the answer; requests that ask for praise words
        "Turned up quicker.",
        "Attended much quicker.",
        "More respect, more honesty, more compassion.",
        "Better communication with patients and more time for on-going care.",
        "Talk more to patients.",
        # long waits and lateness stated as facts; an answer that is only the wait
        "It took your staff 15 hours to call me back.",
        "1 plus hour wait before we could speak to anyone.",
        "They were over 1 hour late to get me from home.",
        "It took a while to get through to an actual call handler",
        "Waiting time",
        "Wait times to get through to somebody",
        "Some staff let the team down.",
        "They are not up to standard.",
        "Got no answer when I rang.",
        # what is asked for is not praise, nor is the topic before the request
        "Care on the ward could have been better, more personal.",
        "Ward staff could be better at giving correct information to relatives.",
        "The call handler should have listened to what I was saying.",
        "Waiting time should be improved.",
        "Be more helpful or explain things better.",
        "We have lots of data but it isn't broken down enough.",
        "We are too comfortable.",
        "Nobody called me back.",
        "No one outside the trust holds us to account.",
        "I honestly can't think of anything that was good.",
        "Didn't feel heard.",
        "They never took me seriously.",
    ],
)
def test_negative(text):
    assert label(text) == "negative"


@pytest.mark.parametrize(
    "text",
    ["no concerns", "I have no concerns", "not a problem", "not worried", "not concerned", "No issues at all"],
)
def test_negated_worry_is_not_negative(text):
    assert label(text) != "negative"


@pytest.mark.parametrize(
    "text",
    [
        "The meeting was held on Tuesday in room 4.",
        "The form asks for your postcode and date of birth.",
        "Nothing",
        "Nothing.",
        "Change nothing",
        "I waited 5 minutes.",
        "Nothing as far as I'm concerned.",
        "I was referred to the urgent care centre.",
        "",
    ],
)
def test_neutral(text):
    assert label(text) == "neutral"


def test_thanks_is_not_a_request_and_ok_is_a_word():
    assert label("I would like to thank the staff.") == "positive"
    assert label("It was ok.") == "positive"   # VADER alone drops "ok." (punctuation kept on 2 letters)
    assert label("Listened to me.") == "positive"   # a past description, not the request "Listen to me."
    assert label("Listen to me.") == "negative"


def test_like_as_a_comparison_or_a_wish_is_not_praise():
    for text in ("Feels like lip service", "I would like more updates", "Like a conveyor belt"):
        assert label(text) != "positive", text


def test_a_wait_said_to_be_fine_and_time_taken_to_explain_are_no_complaint():
    assert label("Waiting time was short.") != "negative"
    assert label("Arrived quicker than expected.") != "negative"
    assert label("Took time to explain everything.") != "negative"


def test_comparison_with_than_is_not_a_request():
    assert label("Came quicker than expected") != "negative"
    assert label("Arrived sooner than I thought") != "negative"


def test_negated_sentiment_word_left_to_vader():
    # "never"/"wasn't" before a lexicon word are VADER's negation, not a complaint.
    assert label("It wasn't bad at all") == "positive"
    assert label("The nurse wasn't helpful") == "negative"


def test_scores_in_range_and_cue_free_text_is_plain_vader():
    texts = ["Great!!!", "awful awful awful terrible", "ok", "The room was blue."]
    scores = stance_scores(texts)
    assert all(-1.0 <= s <= 1.0 for s in scores)
    analyzer = stance._analyzer()
    assert scores == [analyzer.polarity_scores(t)["compound"] for t in texts]


def test_threshold():
    text = "I would consider it"  # a single weak cue, about +0.25
    assert stance_labels([text]) == ["positive"]
    assert stance_labels([text], threshold=0.5) == ["neutral"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I would consider it", "for"),
        ("I would not consider it", "against"),
        ("I would never consider it", "against"),
        ("Yes", "for"),
        ("Yes, happy to", "for"),
        ("No", "against"),
        ("No, I don't support it", "against"),
        ("I agree with the proposal", "for"),
        ("I disagree", "against"),
        ("I don't disagree", "for"),
        ("I am not in favour", "against"),
        ("Very much in favour", "for"),
        ("We oppose the merger", "against"),
        ("I wouldn't oppose it", "for"),
        ("I wouldn't", "against"),
        ("I don't think I would consider it", "against"),
        ("I would definitely consider it", "for"),
        ("No one asked me", ""),
        ("No concerns", ""),
        ("The car park is small", ""),
        ("", ""),
    ],
)
def test_for_against(text, expected):
    assert for_against([text]) == [expected]


def test_deterministic_and_input_unchanged():
    texts = ["The wait was far too long", "Lovely staff", "no concerns", "I would not consider it"]
    before = list(texts)
    assert stance_scores(texts) == stance_scores(texts)
    assert stance_labels(texts) == stance_labels(list(texts))
    assert for_against(texts) == for_against(texts)
    assert texts == before


def test_analyzer_is_a_singleton_and_needs_no_network(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(stance, "_analyzer_instance", None)
    first = stance._analyzer()
    assert stance._analyzer() is first
    assert label("The staff were lovely and kind") == "positive"


def test_shares():
    shares = stance_shares(["positive", "negative", "negative", "neutral"])
    assert shares == {"positive": 0.25, "negative": 0.5, "neutral": 0.25}
    assert stance_shares([]) == {"positive": 0.0, "negative": 0.0, "neutral": 0.0}
    with pytest.raises(ValueError):
        stance_shares(["happy"])


@pytest.mark.parametrize(
    "shares, words",
    [
        ({"positive": 0.15, "negative": 0.62, "neutral": 0.23}, "mostly critical (62% critical)"),
        # a quarter of the positive-or-critical segments on the other side: mixed, not "mostly"
        ({"positive": 0.25, "negative": 0.62, "neutral": 0.13}, "mixed (25% positive, 62% critical)"),
        ({"positive": 0.65, "negative": 0.23, "neutral": 0.12}, "mixed (65% positive, 23% critical)"),
        ({"positive": 0.20, "negative": 0.06, "neutral": 0.74}, "mostly neutral"),
        ({"positive": 0.30, "negative": 0.08, "neutral": 0.62}, "somewhat positive (30% positive, 8% critical)"),
        # balanced, but the smaller side is few of all the sentences
        ({"positive": 0.13, "negative": 0.27, "neutral": 0.60}, "somewhat critical (13% positive, 27% critical)"),
        ({"positive": 0.19, "negative": 0.50, "neutral": 0.31}, "mixed (19% positive, 50% critical)"),
        ({"positive": 0.71, "negative": 0.10, "neutral": 0.19}, "mostly positive (71% positive)"),
        ({"positive": 0.45, "negative": 0.40, "neutral": 0.15}, "mixed (45% positive, 40% critical)"),
        ({"positive": 0.10, "negative": 0.10, "neutral": 0.80}, "mostly neutral"),
        ({"positive": 0.40, "negative": 0.10, "neutral": 0.50}, "somewhat positive (40% positive, 10% critical)"),
        ({"positive": 0.05, "negative": 0.45, "neutral": 0.50}, "somewhat critical (5% positive, 45% critical)"),
        ({"positive": 0.0, "negative": 0.0, "neutral": 0.0}, "no answers"),
        ({"positive": 0.55, "negative": 0.30, "neutral": 0.15}, "mixed (55% positive, 30% critical)"),
    ],
)
def test_describe_stance(shares, words):
    assert describe_stance(shares) == words


def test_a_request_cue_stops_at_but_and_does_not_reach_back_past_and():
    # the rest of a request's clause is the cue, up to "but": the praise after it still counts
    assert label("It could be better but the staff were lovely") == "positive"
    # the topic before it is the cue too, but not across "and"
    both = stance_scores(["The nurse was lovely and the food could be better"])[0]
    assert stance_scores(["The food could be better"])[0] < both < stance_scores(["The nurse was lovely"])[0]


@pytest.mark.parametrize("text, want", [
    ("Always on time.", "positive"),
    ("The vehicle arrived in good time.", "positive"),
    ("Very reliable service.", "positive"),
    ("Never on time.", "negative"),
    ("Pick up time very erratic.", "negative"),
    ("The transport is unreliable.", "negative"),
    ("Could you be on time in future.", "negative"),
])
def test_punctuality(text, want):
    assert label(text) == want


@pytest.mark.parametrize("text", ["Be on time.", "Arrive on time.", "Attend appointments on time.",
                                  "Getting there on time may of helped"])
def test_punctuality_asked_for_is_a_request(text):
    assert label(text) == "negative"
