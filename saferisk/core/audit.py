"""The audit log: the catalogue of actions, recording events in a hash chain, and verifying it.

Services call `audit_record` inside their own transaction, so a change and its audit row commit
or roll back together. The chain is appended under a lock (a PostgreSQL advisory lock; SQLite
takes its write lock at BEGIN IMMEDIATE), so the chain order is the id order.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from saferisk.core import context
from saferisk.core.models import AuditEvent

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    from saferisk.core.models import User

GENESIS_HASH = "0" * 64
_CHAIN_LOCK_ID = 0x5AFE_415D  # arbitrary constant naming the audit-chain advisory lock

# Every action the system records, with its label. A service must use one of these.
ACTIONS: dict[str, _StrPromise] = {
    "user.created": _("User created"),
    "user.updated": _("User updated"),
    "user.logged_in": _("Signed in"),
    "user.logged_out": _("Signed out"),
    "user.login_failed": _("Sign-in failed"),
    "user.locked": _("Account locked"),
    "user.unlocked": _("Account unlocked"),
    "user.password_changed": _("Password changed"),
    "user.password_reset": _("Password reset"),
    "user.deactivated": _("User deactivated"),
    "user.activated": _("User activated"),
    "api_token.created": _("API token created"),
    "api_token.revoked": _("API token revoked"),
    "region.imported": _("Region imported"),
    "region.updated": _("Region updated"),
    "enterprise.created": _("Enterprise created"),
    "enterprise.updated": _("Enterprise updated"),
    "safety_commitment.confirmed": _("Safety commitment confirmed online"),
    "safety_commitment.uploaded": _("Safety commitment uploaded"),
    "safety_director_rule.created": _("Safety director rule created"),
    "safety_director_rule.updated": _("Safety director rule updated"),
    "enterprise.accounts_onboarded": _("Enterprise accounts opened"),
    "enterprise.imported": _("Enterprise list imported"),
    "import_job.created": _("Import uploaded"),
    "risk.created": _("Risk added"),
    "risk.updated": _("Risk changed"),
    "risk.retired": _("Risk retired"),
    "risk.restored": _("Risk restored"),
    "risk.register_imported": _("Risk register imported"),
    "assessment_scheme.created": _("Assessment scheme added"),
    "risk_catalog_item.created": _("Catalogue item added"),
    "risk_catalog_item.updated": _("Catalogue item changed"),
    "risk_catalog.imported": _("Risk catalogue imported"),
    "reassessment.opened": _("Re-assessment opened"),
    "reassessment.confirmed": _("Risk confirmed unchanged on re-assessment"),
    "reassessment.closed": _("Re-assessment completed"),
    "site_plan.uploaded": _("Site plan uploaded"),
    "risk_area.saved": _("Risk area drawn"),
    "risk_area.deleted": _("Risk area removed"),
    "risk_documents.generated": _("Risk documents generated"),
    "document_job.created": _("Dossier batch requested"),
    "reporting_campaign.opened": _("Reporting campaign opened"),
    "risk_report.prepared": _("Risk report prepared"),
    "risk_report.submitted": _("Risk report submitted"),
    "risk_report.accepted": _("Risk report accepted"),
    "risk_report.returned": _("Risk report returned"),
    "reporting_campaign.closed": _("Reporting campaign closed"),
    "report_task.change_due": _("Change report due"),
    "risk_report.found_false": _("Risk report found false"),
    "risk_report.imported": _("Risk report imported"),
    "bulletin.published": _("Bulletin published"),
    "report_reminders.sent": _("Report reminders sent"),
    "enforcement_case.recorded": _("Put on an enforcement list"),
    "enforcement_case.handled": _("Enforcement case handled"),
    "checklist.generated": _("Checklists generated"),
    "checklist.updated": _("Checklist updated"),
    "checklist_item.created": _("Checklist item added"),
    "checklist_item.updated": _("Checklist item updated"),
    "inspection.started": _("Inspection started"),
    "inspection.recorded": _("Inspection item recorded"),
    "inspection.finished": _("Inspection finished"),
    "hidden_danger.registered": _("Hidden danger registered"),
    "hidden_danger.reported": _("Major hidden danger reported"),
    "hidden_danger.assessed": _("Hidden danger assessed"),
    "hidden_danger.planned": _("Rectification plan made"),
    "hidden_danger.plan_updated": _("Rectification plan updated"),
    "hidden_danger.rectified": _("Hidden danger rectified"),
    "hidden_danger.acceptance_refused": _("Acceptance refused"),
    "hidden_danger.accepted": _("Hidden danger accepted"),
    "hidden_danger.closed": _("Hidden danger closed"),
    "hidden_danger.photo_added": _("Hidden danger photo added"),
    "hidden_danger.extension_requested": _("Deadline extension requested"),
    "hidden_danger.extension_decided": _("Deadline extension decided"),
    "hidden_danger.reminded": _("Overdue hidden danger reminders sent"),
    "listed_supervision.listed": _("Hidden danger listed for supervision"),
    "listed_supervision.progress": _("Supervision progress reported"),
    "listed_supervision.checked": _("Listed hidden danger checked"),
    "listed_supervision.lifted": _("Listed supervision lifted"),
}


class Audited(Protocol):
    """A model whose changes are audited says where it sits, for scoping the events."""

    pk: Any

    def audit_scope(self) -> tuple[str, int | None]:
        """(region code, enterprise id) of the object."""


def json_safe(value: Any) -> Any:
    """A value as it is stored in `changes`: JSON primitives, with dates and decimals as text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float | decimal.Decimal | dt.date | dt.datetime | dt.time):
        return str(value)
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [json_safe(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return str(value)


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The audited fields of an instance, by attribute name (foreign keys as their id)."""
    out: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        attname = getattr(field, "attname", name)
        out[name] = json_safe(getattr(instance, attname))
    return out


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, Any]:
    """Only what changed: {"before": {field: old}, "after": {field: new}}."""
    before = dict(before or {})
    after = dict(after or {})
    keys = sorted(set(before) | set(after))
    changed = [k for k in keys if before.get(k) != after.get(k)]
    return {
        "before": {k: before.get(k) for k in changed if k in before},
        "after": {k: after.get(k) for k in changed if k in after},
    }


def _canonical_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def event_hash(event: AuditEvent) -> str:
    """SHA-256 over the previous hash and every content field of the event."""
    payload = [
        event.prev_hash,
        _canonical_time(event.created_at),
        event.actor_id,
        event.actor_label,
        event.action,
        event.object_type,
        event.object_id,
        event.object_repr,
        event.region_code,
        event.enterprise_id,
        event.changes,
        event.request_id,
        event.client_address,
    ]
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build_event(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    changes: Mapping[str, Any] | None = None,
    actor_label: str | None = None,
    object_repr: str | None = None,
    region_code: str | None = None,
    enterprise_id: int | None = None,
) -> AuditEvent:
    """An unsaved event for `audit_record_many`; `audit_record` saves one at once."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}: add it to core.audit.ACTIONS")
    scope_region, scope_enterprise = ("", None)
    if obj is not None and hasattr(obj, "audit_scope"):
        scope_region, scope_enterprise = obj.audit_scope()
    ctx = context.current()
    return AuditEvent(
        created_at=timezone.now(),
        actor=actor,
        actor_label=actor_label if actor_label is not None else (actor.username if actor else "system"),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=(object_repr if object_repr is not None else str(obj) if obj is not None else "")[:200],
        region_code=region_code if region_code is not None else scope_region,
        enterprise_id=enterprise_id if enterprise_id is not None else scope_enterprise,
        changes=json_safe(dict(changes or {})),
        request_id=ctx.request_id,
        client_address=ctx.client_address,
    )


def _lock_chain() -> str:
    """Take the chain lock for this transaction and return the hash of the last event."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_ID])
    last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    return last or GENESIS_HASH


def audit_record_many(events: list[AuditEvent]) -> list[AuditEvent]:
    """Append events to the chain, in order, in the caller's transaction (or a new one)."""
    if not events:
        return events
    with transaction.atomic():
        prev = _lock_chain()
        for event in events:
            event.prev_hash = prev
            event.hash = event_hash(event)
            prev = event.hash
        return AuditEvent.objects.bulk_create(events, batch_size=2000)


def audit_record(**kwargs: Any) -> AuditEvent:
    """Record one event; keyword arguments as for `build_event`."""
    return audit_record_many([build_event(**kwargs)])[0]


def change_rows(event: AuditEvent) -> list[dict[str, Any]]:
    """The event's changes as rows for people: field label (the model's verbose name), code,
    before and after, with booleans and lists spelled out."""
    from django.apps import apps
    from django.core.exceptions import FieldDoesNotExist
    from django.utils.translation import gettext

    def shown(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return gettext("Yes") if value else gettext("No")
        if isinstance(value, list):
            return "、".join(str(v) for v in value)
        return str(value)

    model = None
    if event.object_type:
        try:
            model = apps.get_model(event.object_type)
        except (LookupError, ValueError):
            model = None
    before = event.changes.get("before", {}) or {}
    after = event.changes.get("after", {}) or {}
    rows = []
    for name in sorted(set(before) | set(after)):
        label: Any = name
        if model is not None:
            try:
                label = model._meta.get_field(name).verbose_name
            except FieldDoesNotExist:
                label = name
        rows.append(
            {
                "field": name,
                "label": label,
                "before": shown(before.get(name)),
                "after": shown(after.get(name)),
            }
        )
    return rows


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""


def audit_verify(*, chunk_size: int = 5000) -> ChainCheck:
    """Walk the chain in id order and report the first event whose link or content is wrong."""
    prev = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=chunk_size):
        if event.prev_hash != prev:
            return ChainCheck(
                False, checked, event.pk, "previous-hash link broken (a row was removed or inserted)"
            )
        if event_hash(event) != event.hash:
            return ChainCheck(
                False, checked, event.pk, "content does not match its hash (the row was altered)"
            )
        prev = event.hash
        checked += 1
    return ChainCheck(True, checked)
