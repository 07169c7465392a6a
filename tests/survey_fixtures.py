"""Small synthetic survey exports in the layouts survey tools write (no real respondents).

Eight made-up educators answer three open questions; each layout below holds the same answers,
so every shape must give the same long table: 8 respondents x 3 questions = 24 rows."""

from __future__ import annotations

import csv
import json
from pathlib import Path

QUESTIONS = [
    ("Q1", "What worked well in online teaching this year?"),
    ("Q2", "What was hardest about online assessment?"),
    ("Q3", "What would you change for next year?"),
]
SCHOOLS = ["School of Business", "School of Law", "School of Science", "School of Business",
           "School of Law", "School of Science", "School of Business", "School of Law"]
PROCTORING = ["No", "Yes", "No", "Yes", "No", "", "Yes", "No"]
ANSWERS = [
    ("Recorded lectures let students watch again at their own pace.",
     "Proctoring software made students anxious during exams.",
     "More time to redesign assessment away from timed exams."),
    ("Breakout rooms kept seminars lively and students talking.",
     "Internet connections dropped during timed exams.",
     "Smaller seminar groups in breakout rooms."),
    ("Recorded lectures and short videos worked well for revision.",
     "Students were anxious about proctoring software watching them.",
     ""),
    ("Breakout rooms for small group discussion worked well.",
     "Timed exams at home were stressful and connections failed.",
     "Open book assessment instead of timed exams."),
    ("N/A",
     "Proctoring software flagged students who looked away, making them anxious.",
     "Training for staff on redesigning assessment."),
    ("Short recorded videos that students could watch again.",
     "Connections dropped and students lost time in exams.",
     "Keep recorded lectures alongside live seminars."),
    ("Lively seminars in breakout rooms with small groups.",
     "",
     "Redesign assessment with open book tasks, not timed exams."),
    ("Students liked recorded lectures at their own pace.",
     "Anxious students and proctoring software do not mix.",
     "Staff training time to redesign assessment."),
]
RESPONDENTS = len(ANSWERS)


def wide_rows() -> list[dict]:
    return [{"ResponseId": f"R_{k + 1:03d}", "school": SCHOOLS[k], "used_proctoring_2020_21": PROCTORING[k],
             **{q: a for (q, _), a in zip(QUESTIONS, ANSWERS[k])}} for k in range(RESPONDENTS)]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def plain_wide(path: Path) -> Path:
    """One header row: ResponseId, school, used_proctoring_2020_21, Q1, Q2, Q3."""
    rows = wide_rows()
    return _write(path, [list(rows[0])] + [list(r.values()) for r in rows])


def long_format(path: Path) -> Path:
    """One row per respondent and question, the respondent id repeated."""
    rows = [["response_id", "question_id", "school", "used_proctoring_2020_21", "answer"]]
    for r in wide_rows():
        for q, _ in QUESTIONS:
            rows.append([r["ResponseId"], q, r["school"], r["used_proctoring_2020_21"], r[q]])
    return _write(path, rows)


def qualtrics_rows() -> list[list[str]]:
    meta = ["StartDate", "EndDate", "Status", "Progress", "Finished", "ResponseId"]
    head = meta + ["school", "used_proctoring_2020_21"] + [q for q, _ in QUESTIONS]
    texts = ["Start Date", "End Date", "Response Type", "Progress", "Finished", "Response ID",
             "Which school do you teach in?", "Did you use proctoring software in 2020-21?"] + [t for _, t in QUESTIONS]
    ids = [json.dumps({"ImportId": c[0].lower() + c[1:]}) for c in meta] + [
        json.dumps({"ImportId": f"QID{k}"}) for k in range(1, 6)]
    body = [["2021-06-01 09:00:00", "2021-06-01 09:10:00", "IP Address", "100", "True", r["ResponseId"],
             r["school"], r["used_proctoring_2020_21"]] + [r[q] for q, _ in QUESTIONS] for r in wide_rows()]
    return [head, texts, ids] + body


def qualtrics_csv(path: Path) -> Path:
    return _write(path, qualtrics_rows())


def qualtrics_xlsx(path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    for row in qualtrics_rows():
        wb.active.append(row)
    wb.save(path)
    return path


def surveymonkey_csv(path: Path) -> Path:
    """SurveyMonkey: question texts as headers, a second row naming the answer parts; a choice
    question spans one column per option, its header only over the first."""
    head = ["Respondent ID", "Collector ID", "Start Date", "End Date", "Which school do you teach in?",
            "Did you use proctoring software in 2020-21?", ""] + [t for _, t in QUESTIONS]
    parts = ["", "", "", "", "Response", "Yes", "No"] + ["Open-Ended Response"] * 3
    body = []
    for k, r in enumerate(wide_rows()):
        p = r["used_proctoring_2020_21"]
        body.append([str(1000 + k), "42", "06/01/2021", "06/01/2021", r["school"], "Yes" if p == "Yes" else "",
                     "No" if p == "No" else ""] + [r[q] for q, _ in QUESTIONS])
    return _write(path, [head, parts] + body)


def smartsurvey_csv(path: Path) -> Path:
    """SmartSurvey: UserNo, Started, Ended ... then numbered question texts; one header row."""
    head = ["UserNo", "Name", "Email", "Started", "Ended", "1. Which school do you teach in?"] + [
        f"{k}. {t}" for k, (_, t) in enumerate(QUESTIONS, 2)]
    body = [[str(k + 1), "", "", "01/06/2021 09:00", "01/06/2021 09:10", r["school"]] + [r[q] for q, _ in QUESTIONS]
            for k, r in enumerate(wide_rows())]
    return _write(path, [head] + body)


def forms_xlsx(path: Path) -> Path:
    """Microsoft Forms: ID, Start time, Completion time, Email, Name, then question texts."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["ID", "Start time", "Completion time", "Email", "Name", "Which school do you teach in?"]
              + [t for _, t in QUESTIONS])
    for k, r in enumerate(wide_rows()):
        ws.append([k + 1, "6/1/21 9:00:00", "6/1/21 9:10:00", "anonymous", "", r["school"]] + [r[q] for q, _ in QUESTIONS])
    wb.save(path)
    return path


if __name__ == "__main__":  # rewrite the CSV copies in tests/data/surveys (shown in the README)
    here = Path(__file__).parent / "data" / "surveys"
    for name, fn in (("wide.csv", plain_wide), ("long.csv", long_format), ("qualtrics.csv", qualtrics_csv),
                     ("surveymonkey.csv", surveymonkey_csv), ("smartsurvey.csv", smartsurvey_csv)):
        fn(here / name)
