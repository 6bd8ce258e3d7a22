"""Appending to a case's history. One function per kind of event; nothing else writes CaseEvent."""

from restoration.choices import EventKind
from restoration.models import Case, CaseEvent


def _append(case: Case, kind: str, actor, *, action="", from_state="", to_state="", reason="", data=None):
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        action=action,
        actor=actor,
        from_state=from_state,
        to_state=to_state,
        reason=reason or "",
        data=data or {},
    )


def event_created(case, actor):
    return _append(case, EventKind.CREATED, actor, to_state=case.state, data={"kind": case.kind})


def event_transition(case, actor, *, action, from_state, reason="", data=None, kind=EventKind.TRANSITION):
    return _append(
        case, kind, actor, action=action, from_state=from_state, to_state=case.state, reason=reason, data=data
    )


def event_inspection(case, actor, inspection, *, from_state):
    return _append(
        case,
        EventKind.INSPECTION,
        actor,
        action="record_inspection",
        from_state=from_state,
        to_state=case.state,
        reason=inspection.findings,
        data={
            "inspection": inspection.pk,
            "passed": inspection.passed,
            "inspected_on": inspection.inspected_on.isoformat(),
            "area_restored_ha": str(inspection.area_restored_ha),
        },
    )


def event_deadline(case, actor, *, deadline, version):
    return _append(
        case,
        EventKind.DEADLINE_SET,
        actor,
        to_state=case.state,
        data={"deadline": deadline.isoformat(), "version": version},
    )


def event_evidence_uploaded(case, actor, evidence_list):
    return _append(
        case,
        EventKind.EVIDENCE_UPLOADED,
        actor,
        to_state=case.state,
        data={
            "evidence": [e.pk for e in evidence_list],
            "names": [e.original_name for e in evidence_list],
            "kind": evidence_list[0].kind if evidence_list else "",
        },
    )


def event_evidence_reviewed(case, actor, evidence):
    return _append(
        case,
        EventKind.EVIDENCE_REVIEWED,
        actor,
        to_state=case.state,
        reason=evidence.review_reason,
        data={"evidence": evidence.pk, "name": evidence.original_name, "result": evidence.review_status},
    )


def event_comment(case, actor, text):
    return _append(case, EventKind.COMMENT, actor, to_state=case.state, reason=text)


def event_fund_charged(case, actor, *, cost, charged, receivable):
    return _append(
        case,
        EventKind.FUND_CHARGED,
        actor,
        to_state=case.state,
        data={"cost": str(cost), "charged": str(charged), "receivable": str(receivable)},
    )


def event_assigned(case, actor, officer):
    return _append(
        case,
        EventKind.ASSIGNED,
        actor,
        to_state=case.state,
        data={"officer": officer.pk, "name": str(officer)},
    )
