"""Survey cues for stance (themes.text.stance): phrases VADER misses or misreads.

POLARITY_RULES are (regex, valence) pairs on VADER's lexicon scale, matched on lower-cased
text with straight apostrophes; FOR_AGAINST_RULES are (regex, +1 for / -1 against);
BARE_NEGATION finds a past negation of a plain fact. Data only: the matching, negation and
scoring are in themes.text.stance.
"""

from __future__ import annotations

import re

OPEN = r"(?:^|(?<=[.!?;] ))"  # the start of the text or of a sentence in it
#: Up to four words before a cue in its clause (not across "and", "but" or punctuation), and the
#: rest of the clause after it (up to "but", "though", "although", "however" or a full stop).
TOPIC = r"(?:(?:(?!(?:and|but|or|though|although|however)\b)[\w'-]+ ){1,4}?)?"
TAIL = r"(?:(?!\b(?:but|though|although|however)\b)[^.!?;])*"

# Survey cues as (regex, valence) on VADER's lexicon scale (about -4 .. +4; "good"
# is +1.9, "bad" -2.5). Earlier rules win where matches overlap. A cue preceded by
# a negator within three words of the same clause is flipped ("no concerns",
# "not too long", "nothing needs to change"), and the negator is used up.
# Only cues VADER misses or misreads are listed; "rude", "ignored", "worried",
# "comfortable", "happy to" are already in its lexicon, with negation.
POLARITY_RULES: list[tuple[str, float]] = [
    # Services named for what they treat are no judgement: "the crisis team have been amazing",
    # "urgent care centre", "emergency department", "cancer nurse" (VADER: crisis -3.1).
    (r"\b(?:crisis|emergency|urgent|pain|cancer|suicide|self[- ]harm|harm|risk|trauma|stroke|injury|depression|anxiety"
     r"|addiction|drugs?|mental (?:health|illness)|illness|sickness|accident)"
     r" (?:and (?:emergency|urgent) )?(?:teams?|services?|lines?|houses?|caf[eé]s?|resolution|workers?|units?|numbers?|care"
     r"|plans?|support|department|dept|wards?|nurses?|clinics?|centres?|centers?|specialists?|room|prevention"
     r"|reduction|assessments?|management|relief|treatment|practitioners?|liaison|pathway|rehabilitation|rehab"
     r"|counsell?ors?|doctors?|consultants?|staff|vehicles?|ambulances?|calls?|dispatch|admissions?)\b", 0.0),
    # Praise idioms: "nothing was too much trouble", "problem solved", and "as far as I'm
    # concerned" is no concern.
    (r"\bnothing (?:was |is |seemed |seems |ever |'s )?(?:ever )?too much (?:trouble|bother|effort|of a (?:problem|bother))\b"
     r"|\b(?:problems?|issues?) (?:was |were |is |got |quickly |promptly )?(?:solved|sorted(?: out)?|resolved|fixed|dealt with)\b", 2.0),
    (r"\bas far as (?:i'm|i am|we're|we are|i was|we were) concerned\b", 0.0),
    # Praise VADER has no words for, common in answers about care: "went above and beyond",
    # "spot on", "second to none", "put my mind at rest", "felt heard", "took me seriously"
    # (VADER: "seriously" -0.3), "took the time to explain", "very prompt". Negated they flip:
    # "didn't feel heard", "never took me seriously".
    (r"\b(?:above and beyond|over and above|(?:the|an) extra mile|spot on|second to none|top (?:notch|class|drawer)"
     r"|first[- ]rate|on point|minds? at (?:rest|ease)|at ease"
     r"|(?:felt|feel|feeling|made (?:me|us) feel) (?:heard|understood|valued|respected|reassured|cared for|looked after)"
     r"|(?:took|take|takes|taken|taking) (?:me|us|it|them|(?:my|our|his|her) \w+) seriously"
     r"|(?:took|take|takes|taken|taking) (?:the |their |his |her |some |extra )?time to (?:explain|listen|talk|reassure|understand"
     r"|answer|help|chat|get to know)"
     r"|(?:very |so |really |extremely |always )?(?<!the )(?<!a )prompt(?! (?:me|us|them|you|him|her)\b))\b", 2.0),
    # Nothing to improve: VADER reads the "improve" as praise of something else.
    (r"\bnothing (?:much |really |at all )?(?:to|i would|i'd|that needs to) (?:improve|change)\b", 2.0),
    # A leading "Nothing." (to "what could improve?") is no opinion, but VADER, which ignores
    # punctuation, lets it negate the praise after it: "Nothing. Excellent service." was critical.
    (r"^\W*(?:nothing|none|no|nope|n/a|not really|not a thing)(?: (?:really|at all|else|more|extra|much))?\s*[.,!;:\-]+"
     r"|^\W*nothing(?: (?:else|extra|more))?(?= (?:all|needed|for me|to add|i can think of)\b)"
     r"|^\W*(?:no|nothing|none)\W*(?=everything\b|(?:i think |i thought )?(?:it was|it went|they were|all was)\b)", 0.0),
    # "Nothing apart from the wait": something to improve after all ("nothing but praise" is not).
    (r"^\W*(?:nothing|not much|none) (?:really |much |else )?(?:apart from|except(?: for)?|other than|besides|aside from)\b", -1.0),
    # "Could not have done any better", "couldn't fault": praise phrased as a negation.
    (r"\b(?:could|can)(?:n't| ?not)(?: have)? (?:do(?:ne)?|be(?:en)?|ask(?:ed)? for|wish(?:ed)? for)"
     r"(?: it| them| any| anything| much| a)? (?:better|more|happier)\b|\bask(?:ed)? for no better\b"
     r"|\bcould(?: have| of)? not (?:have )?(?:done|been)(?: it| any| anything| much)? (?:better|happier)\b"
     r"|\b(?:could|can)(?:n't| ?not)(?: have)? (?:get|got|gotten)(?: any| much)? better\b|\bcan(?:no|')?t better (?:this|that|it)\b"
     r"|\b(?:can(?:no|')?t|could(?:n't| ?not)) see (?:any ?way|how) (?:you|they|it) could (?:do|be|have (?:done|been)) better\b"
     r"|\b(?:can(?:no|')?t|could(?:n't| ?not)|couldnt|unable to)(?: (?:really|honestly))?(?: find(?: any| a)?)? (?:fault|improve on)"
     r"|\b(?:hard|difficult) to (?:find (?:any |a )?faults?|fault)\b|\bnothing to fault\b|\bcould(?: have|'ve) done nothing better\b|\bnothing but (?:praise|good|positive|admiration|respect|thanks|gratitude|the best)\b", 2.0),
    # ... and as nothing left to improve: "can't think of anything that could have been better",
    # "nothing could be improved", "no improvements needed".
    (r"\b(?:can(?:no|')?t|could(?:n't| ?not)|couldnt|unable to) think of (?:a thing|anything|any ?thing)[^.!?]*?"
     r"\b(?:better|improved?|change[ds]?|differently)\b"
     r"|\bnothing (?:\w+ )?(?:could|can|would|should)(?: have)? (?:be(?:en)? )?(?:improved?|changed?|better|done better)\b"
     r"|\bno (?:improvements?|changes?) (?:needed|required|necessary)\b|^\W*no suggestions?\b", 2.0),
    (r"\beverything (?:can|could|needs to|should) be (?:improved|better|changed)\b", -1.5),
    # ... but nothing good to name is criticism: "can't think of anything that was good".
    (TOPIC + r"\b(?:can(?:no|')?t|could(?:n't| ?not)|couldnt|unable to) think of (?:a thing|anything|any ?thing)"
     r"(?: (?:that|which) (?:was|is|went|has been))? (?:good|positive|nice|great|helpful|useful)\b", -1.5),
    # Short waits and quick help are praise VADER has no words for ("quick", "promptly",
    # "on time" are not in its lexicon); they come before the long-wait cues they overlap.
    (r"\b(?:did(?:n't| not|nt)|no need to|never) (?:have to |had to |need to )?wait(?: (?:very|too|that|so))? long\b"
     r"|\b(?:wait(?:ing)?(?: time)?|it) (?:was(?:n't| not)|wasnt|is(?:n't| not)) (?:too |very |that )?long\b"
     r"|\b(?:with(?:out| no|in) )?(?:no|little|hardly any|minimal) (?:wait(?:ing)?|delay)(?: time)?\b(?! room| list)"
     r"|\b(?:arrived|came|answered|responded|attended|seen|dealt with|sorted(?: out)?|assessed|treated|called back)"
     r"(?: (?:very|really|so|extremely|incredibly|fairly|pretty|quite))? (?:quickly|promptly|swiftly|rapidly"
     r"|on time|in no time|within minutes|straight away|immediately|right away)\b"
     r"|\b(?:quick|prompt|swift|speedy|fast|rapid|timely|immediate) (?:response|service|arrival|attention|action"
     r"|treatment|reply|care|assessment|appointment|referral|help)s?\b"
     r"|\b(?:very|so|really|extremely|incredibly) (?:quickly|promptly|swiftly)\b", 1.8),
    # Refusal and unwillingness: VADER has no "consider", and "would not" alone is empty.
    (r"\bwould(?:n't| not| never) (?:\w+ )?(?:consider|recommend|want|choose|use)\b", -1.5),
    # Willingness: "would consider" is openness; "happy to" is already in VADER.
    (r"\bwould (?:\w+ )?consider\b", 1.0),
    # "like" as a comparison or a wish is no praise: "feels like lip service", "like a
    # conveyor belt", "I would like more updates" (VADER scores every "like" +2.0).
    # A wish for what was missing is a request: "would have liked more information", "could do
    # with easier transport" ("I would like to thank the staff" is not).
    (r"\b(?:would|'d|should)(?: have|'ve)? (?:really )?(?:liked?) (?!to (?:thank|say|praise|commend|express|compliment"
     r"|add|mention|congratulate|give))(?:more|better|less|fewer|some|an?|the|someone|somebody|them|it if"
     r"|to (?:have|see|be|get|know|hear|receive|speak|talk))\b[^.!?;]*|\bcould(?: have|'ve)? (?:done|do) with\b[^.!?;]*", -1.5),
    (r"\b(?:feels?|felt|feeling|looks?|looked|seems?|seemed|sounds?|sounded|treated|things?|something"
     r"|anything|nothing|more|less|just) like\b|\blike (?:a|an|when|if)\b"
     r"|\b(?:would|'d|should) (?:really )?like\b", 0.0),
    # "less" lowers the praise after it: "less helpful", "less useful than hoped".
    (r"\bless (?:\w+ )?(?:helpful|useful|good|effective|supportive|friendly|clear|informative|responsive|caring)\b", -1.2),
    # Criticism VADER has no words for: "lip service", "box-ticking", "nothing changes".
    (r"\blip[- ]service\b|\b(?:box|tick)[- ]?(?:ticking|box(?:ing)?|exercises?)\b|\btokenis(?:m|tic)\b|\bperformative\b"
     r"|\bnothing (?:ever |really )?(?:changes|changed|happens|happened|improves|improved|gets done)\b"
     r"|\b(?:fell|falls?|falling) short\b|\blet (?:[\w']+ ){0,2}down\b|\bnot up to (?:standard|scratch|par)\b", -1.5),
    # Praise VADER has no words for: "made all the difference".
    (r"\bmade (?:all the|a (?:real |big |huge |massive )?|such a )difference\b", 1.5),
    # Worry nouns VADER lacks; negated they reassure ("no concerns", "no issues").
    (r"\bconcern(?:s|ed|ing)?\b|\bissues?\b|\bcomplaints?\b|\bworries\b", -1.2),
    # Need, lack and deficit: criticism phrased without a negative word.
    (r"\black(?:s|ed|ing)?(?: of)?\b|(?:\bnot|n't) (?:[\w']+ ){0,3}?enough\b|\binsufficient\b|\binadequate\b", -1.5),
    (r"\btoo (?:little|few|much|many|long|slow|late|short|expensive|complicated|difficult|hard|busy)\b", -1.5),
    # "too" turns comfort into complacency: "we are too comfortable", "too cautious", "too generic".
    (r"\btoo (?:comfortable|comfy|cosy|cozy|complacent|relaxed|nice|polite|safe|cautious|careful|easy|easily"
     r"|generic|vague|general|formal)\b", -1.5),
    (r"\bno (?:support|help|feedback|information|communication|follow[- ]up|one (?:listened|called|explained|told|came|answered)"
     r"|answer|reply|response|contact|doctors?|updates?)\b|\bgot not answer\b", -1.5),
    (r"\bneeds? (?:to (?:improve|change|be (?:better|improved|changed))|more|improv\w*|work)\b", -1.5),
    # What staff or the service should do is a request too: "Doctors need to listen".
    (TOPIC + r"\b(?:need|needs|should|must|ought to) (?:to )?(?:really )?(?:listen|take|have|get|make|give|provide|explain|tell"
     r"|treat|see|stop|start|ensure|check|read|answer|respond|communicate|learn|train|understand|consider|look|offer"
     r"|involve|speak|talk|call|contact|update|inform|keep)\b" + TAIL, -1.2),
    # What could have been better, the quality asked for included: "could be more helpful",
    # "could of been quicker", "could listen a bit more" ("couldn't be more helpful" is negated).
    # The clause's topic before it and what is asked for after it are part of the cue, so
    # neither reads as praise: "Care on the ward could have been better, more personal",
    # "Ward staff could be better at giving correct information", "should have listened".
    (TOPIC + r"\b(?:should|needs? to|must|ought to) be (?:improved|better|changed|addressed|looked at|sorted|reviewed"
     r"|quicker|faster|shorter|sooner|more \w+)\b" + TAIL, -1.5),
    (TOPIC + r"\bcould(?: have| of|'ve)? (?:be |been |have been |of been |do |listen |explain |communicate )?"
     r"(?:a (?:little |bit )?|a lot |much |far |bit )?(?:better|more(?: [\w']+)?|quicker|faster|sooner|earlier|less [\w']+)\b(?! than\b)"
     + TAIL + r"|" + TOPIC + r"\bshould(?: have|'ve| of)\b" + TAIL, -1.5),
    (r"\bwait(?:ed|ing)? (?:far |way |so )?(?:too )?long\b|\bto (?:long|slow)\b", -1.5),
    (r"\b(?:long|lengthy|longer) (?:wait|waits|waiting|delays?)\b|\bkept (?:\w+ )?waiting\b|\bon hold for\b"
     r"|\bwait(?:ed|ing)? (?:for )?(?:quite |such |a very |a really )?(?:a )?(?:long time|long while|while)\b"
     r"|\b(?:a )?(?:long|very long) time (?:to|before|for)\b|\b\d[\d.]* ?(?:hours?|hrs?|minutes?|mins?) (?:wait|delay)\b", -1.2),
    # Long waits stated as a fact: "waited 2 hours", "kept waiting over an hour", "took ages".
    (r"\b(?:wait(?:ed|ing)?|took|takes|taking)(?: for)?(?: over| nearly| almost| about| around| more than| up to)?"
     r" (?:\d[\d./ ]*(?:and [\d/]+ )?|an? |one |two |three |four |five |six |several |many )"
     r"(?:hours?|hrs?|days?|weeks?|months?)\b|\b(?:took|takes|taking)(?: a| so| such a)? (?:long time|ages|forever)\b"
     r"|\bfor ages\b"
     r"|\b(?:took|takes|taking|take|waited|waiting|wait)\b(?: [\w']+){0,3}? (?:over |more than |nearly |almost |about |around |up to |until )?"
     r"(?:\d[\d.]* ?(?:plus )?(?:hours?|hrs?)|an? hours?|all (?:day|night|morning|afternoon|evening)|hours|ages|forever|a while|an age)\b"
     r"|\b(?:\d[\d.]*|an?|one|two|three) (?:plus )?(?:hours?|hrs?)(?:'s|s)? (?:wait|late|delay)\b|\b(?:hours?|hrs?) late\b"
     r"|\b(?:very|so|quite|always|often|running|arrived|was|were) late\b|\blate (?:arrival|pick[- ]?up|collection)\b"
     r"|\b(?:hard|difficult|impossible|struggled?|struggling) to (?:get (?:through|hold|an?\b|to)|contact|reach|speak|book)"
     r"|\blong time (?:coming|waiting)\b", -1.2),
    # An answer that is only the wait ("Waiting time.", "Wait times to get through") names what
    # to improve, unless it says the wait was fine.
    (r"^\W*(?:the |just the |only the |only )?(?:wait(?:ing)?|response|answering|length of(?: the)?|amount of) (?:times?|wait)\b"
     r"(?! (?:was|were|is|are) (?:very |really |quite |so )?(?:good|short|fine|great|excellent|quick|ok|okay|reasonable"
     r"|acceptable|minimal|brilliant|fast|not (?:too |very |that )?long)\b)", -1.0),
    # Requests for change say the present falls short ("More activities", "Arrive sooner",
    # "Would be nice if ..."), though they hold no negative word; "better than expected" and
    # "more than happy" are praise.
    (r"\b(?:would|it'd|it would|could|that'd)(?: have been| be| of been) (?:so |really |very |much |more )?"
     r"(?:nice|good|better|great|helpful|useful|lovely|appreciated|beneficial|welcome|ideal)\b(?! (?:experience|service|care|staff)\b)"
     r"|\bi wish(?:ed)? (?!(?:you|them|all|him|her) (?:all|well|luck|the best|every)\b)|^\W*(?:just )?wish(?:ed)?\b", -1.2),
    # A suggestion opens with a hedge: "Perhaps saving patients' details", "Maybe been quicker".
    (OPEN + r"\W*(?:perhaps|maybe|possibly)\b[^.!?;]*", -1.2),
    (OPEN + r"(?:a (?:little |bit )?|a lot |much |bit |just |some |probably |definitely |also |and )?(?:more|less|fewer|better|quicker|faster|sooner|shorter|cheaper"
     r"|warmer|cleaner|clearer|easier|bigger|longer|closer|earlier|friendlier|larger|nicer)\b"
     r"(?! than\b| of the same\b)[^.!?;]*", -1.0),
    # ... and so do answers that open with a change to make ("Improve waiting times"), where
    # VADER reads "improve" as praise.
    (OPEN + r"\W*(?:please )?(?:improve|improving|reduce|reducing|decrease|increase|shorten|speed up|cut down|fix|change)\b"
     r"(?! (?:nothing|anything|a thing)\b)[^.!?;]*", -1.0),
    # ... or with what should have been done more or better: "Be more helpful", "Send a better
    # driver", "Listened more", "Answered the phone quicker".
    (OPEN + r"\W*(?:to |please |maybe |perhaps |just )?(?:be|have|get|got|give|send|make|try|provide|offer|listen(?:ed)?"
     r"|explain(?:ed)?|answer(?:ed)?|arrived?|ensure|employ|hire|put|allow|treat(?:ed)?|call(?:ed)?|contact(?:ed)?"
     r"|communicated?|inform(?:ed)?|updated?|kept|respond(?:ed)?|come|came)\b(?: [\w']+){0,4}? "
     r"(?:more|better|quicker|faster|sooner|earlier|less|fewer|shorter)\b(?! than\b)" + TAIL, -1.0),
    # Speed asked for, anywhere: "turned up quicker", "just faster response"; "earlier" only after
    # a verb of arriving or answering ("arrived earlier"), since "earlier" alone is mostly a time.
    (r"\b(?:a (?:little |bit )?|bit |much |far |lot )?(?:quicker|faster|sooner|more (?:quickly|promptly))\b(?! than\b| th[ae]n\b)"
     r"|\b(?:arrive[ds]?|arriving|came|come|respond(?:ed)?|react(?:ed)?|answer(?:ed)?|seen|see me|call(?:ed)? back|get|got)"
     r" (?:a (?:little |bit )?|much |far )?(?:earlier|quicker|faster|sooner|more (?:quickly|promptly))\b(?! than\b)", -1.2),
    # Asking that things stay as they are is praise.
    (r"\bkeep (?:on |up )?(?:doing|going|up the good)\b|\bcarry on (?:as|doing)\b|\b(?:don't|do not) change (?:a thing|anything)\b"
     r"|\bkeep (?:it |things |everything )?(?:the same|as it is|as they are)\b", 1.5),
    # A sentence that opens with a request ("Explain the rules to patients", "Treat me with
    # respect", "Re-train staff to read records") asks for what was missing: the whole sentence
    # is the cue, so the praise words in what is asked for ("respect", "better") are not read as
    # praise. Only plain imperatives: "Listened to me" (past) is a description.
    (OPEN + r"\W*(?:please |maybe |perhaps |also |and )?(?:explain|respect|treat|re-?train|train|update|invest|stop"
     r"|start|ensure|make sure|check|introduce|bring back|hire|employ|recruit|listen|provide|offer|add|review|allow"
     r"|let|tell|inform|communicate|read|ask|try|look at|consider|remember|reply|respond|return|follow up|get|bring"
     r"|involve|keep|close|if anything|(?:could|can|would) you|help (?:us|me|them|with|patients|people|more)|spend|give"
     r"|organi[sz]e|encourage|publish|speed|see me|talk|speak|include|have (?:an? |more |better |some )|make it|pay)\b[^.!?;]*", -1.5),
    # Words people use to judge a service that VADER's lexicon lacks (it has "helpful", "kind",
    # "caring", "rude"; not "professional", "polite", "unhelpful", "dismissive"). Negated they flip:
    # "not very professional". "patient" and "understanding" are nouns too often to count alone.
    # Punctuality, which VADER has no words for: "always on time", "arrived in good time", "very
    # reliable"; negated it flips ("never on time"). Asked for, it is a request ("Be on time",
    # "Arrive on time", "getting there on time may have helped"); "erratic" and "unreliable" are complaints.
    (OPEN + r"\W*(?:please |just |always |and )?(?:be|arrive|attend(?: \w+)?|turn up|get (?:there|here|me)|pick (?:me |us )?up"
     r"|start|run|keep)\b[^.!?;]*\bon time\b|" + TOPIC + r"\b(?:would|might|may|could)(?: have| of|'ve) helped\b", -1.2),
    (r"\b(?:on|in good) time\b|\breliabl[ey]\b", 1.5),
    (r"\b(?:erratic|unreliable|inconsistent)\b", -1.5),
    (r"\b(?:professional(?:ly|ism)?|informative|knowledgeable|attentive(?:ly)?|thorough(?:ly)?|polite(?:ly)?"
     r"|punctual|spotless|seamless(?:ly)?|exceptional(?:ly)?|first[- ]class|impeccable|impeccably|promptly"
     r"|speedy|timely|tidy|approachable|listened(?: to)?|explained (?:everything|things|it|clearly|well|fully)|(?:very|so|really|extremely|was|were|is|are) (?:patient|understanding))\b", 1.8),
    (r"\b(?:unhelpful+|uncaring|dismissive|dismissed|rushed|overcrowded|under-?staffed|disorgani[sz]ed|unorgani[sz]ed"
     r"|patroni[sz]ing|condescending|abrupt|unclean|filthy|unsafe|uninterested|disinterested|inattentive)\b", -1.8),
]

# A past negation of a plain fact reads as a complaint ("never called back",
# "wasn't told", "didn't listen"). Skipped when a VADER lexicon word follows within
# three words: VADER negates that word itself ("wasn't helpful", "never bad").
BARE_NEGATION = re.compile(r"\b(?:never|nobody|no one|no-one|wasn't|wasnt|weren't|werent|didn't|didnt|did not|was not|were not|hadn't|had not)\b")
BARE_NEGATION_VALENCE = -1.0

# for / against cues as (regex, +1 for / -1 against); negation flips, as above.
# Against-cues that contain a for-word come first ("not in favour", "disagree").
FOR_AGAINST_RULES: list[tuple[str, int]] = [
    (r"\bdisagree\w*\b|\boppos(?:e|ed|es|ing|ition)\b|\bagainst\b|\bobject(?:s|ed|ion)?\b|\breject\w*\b", -1),
    # "would" is part of the cue so that "I don't think I would consider it" is negated.
    (r"\b(?:would (?:(?!not\b|never\b)\w+ )?)?consider\b|\bagree[ds]?\b|\bsupport(?:s|ed|ive)?\b|\bin fav(?:ou)?r\b|\bapprove[ds]?\b", 1),
    (r"\bhappy to\b|\bwilling to\b|\bgood idea\b|\bfor it\b|\byes\b|\byeah\b|\byep\b", 1),
    (r"^(?:no|nope|nah)\b(?! (?:one|concerns?|problems?|issues?|worries|objections?)\b)", -1),
    # "I wouldn't." with no cue after it: a refusal.
    (r"\bwould(?:n't| not| never)\b|\bwon't\b|\bwill not\b", -1),
]
