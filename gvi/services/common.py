"""What every write service does: check the policy, fill the owner, validate, stamp who."""

from functools import partial

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import models
from django.db.models.base import ModelState
from django.db.models.constraints import UniqueConstraint
from django.utils.translation import gettext as _

from gvi import jobs, reach, weekly_counts
from gvi.models import PartnerOrganisation
from gvi.policy import Action, allows_state, can, kind_of_model


def acting_organisation(user):
    """The organisation a user acts for. A user with none cannot write personal data."""
    if not getattr(user, "organisation_id", None):
        raise ValidationError(_("Your account does not belong to a partner organisation."))
    return user.organisation


def require(user, kind: str, action: Action, obj=None) -> None:
    if not can(user, kind, action, obj):
        raise PermissionDenied(_("You may not do this."))


def require_visible(user, kind: str, obj, field: str) -> None:
    """A referenced record the user may not read is reported as unknown, never as forbidden,
    so that its existence is not revealed.

    Checked on the record as loaded, without a query for the user's own organisation's records
    (another organisation's costs a few: the sharing rule's basis, reach and consent): the caller
    has just loaded it (a form or serializer resolving an id), and the policy's rules on a loaded
    row are the same as its queryset filter (tests/privacy/test_policy_walk.py shows they agree
    in every cell)."""
    if obj is not None and not allows_state(user, kind, Action.READ, obj):
        raise ValidationError({field: _("No such record.")})


# simple-history's history_change_reason column.
CHANGE_REASON_LENGTH = 100


def as_changed_by(obj, user, reason: str | None = None):
    """Name the user (and why) on the history row the next save writes, whoever calls the service
    (a request, the API, a job or a shell), not only where the history middleware sees a request.
    A reason longer than the history keeps is refused rather than cut."""
    obj._history_user = user
    if reason is not None:
        if len(reason) > CHANGE_REASON_LENGTH:
            raise ValidationError(
                {"reason": _("Keep the reason within %(limit)d characters.") % {"limit": CHANGE_REASON_LENGTH}}
            )
        obj._change_reason = reason
    return obj


def validate(obj, *, known: tuple[str, ...] = ()) -> None:
    """`obj.full_clean()`, without one query per foreign key whose row is already loaded.

    Django checks that each foreign key's row exists with a query of its own (five per record:
    programme, organisation, created_by, updated_by, person ...). A related object the caller
    loaded exists already, and the database's foreign key guards it in any case; so does a key
    named in `known` (copied from a loaded row's own foreign key). Everything else (fields,
    clean(), unique checks, constraints) is checked as full_clean does.
    """
    loaded = set(known) | {
        field.name
        for field in obj._meta.concrete_fields
        if field.many_to_one
        and not field.remote_field.limit_choices_to
        and not field.validators
        and getattr(obj, field.attname) is not None
        and field.is_cached(obj)
        and getattr(field.get_cached_value(obj), "pk", None) == getattr(obj, field.attname)
    }
    errors = {}
    for check in (lambda: obj.clean_fields(exclude=loaded), obj.clean):
        try:
            check()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
    failed = set(errors)  # as full_clean: unique checks and constraints only for fields that passed
    for check in (obj.validate_unique, obj.validate_constraints):
        try:
            check(exclude=failed)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


_MISSING = object()


def _same(value):
    return value


class ValuesValidator:
    """`validate` for many new records of one model given as plain values ({attname: value}), as a
    bulk import writes them, without a model instance per record: the same checks, in the same order,
    with the same messages.

    - Every field through its own `clean` (its type, choices, null and blank, max length and
      validators, the `gvi.dates` bounds included), skipping what `validate` skips: the foreign keys
      named in `known` (loaded rows), blank fields left empty. The cleaned value replaces the given
      one. The answer is memoised per distinct value, except for dates and times (their bounds move
      with the day): a choice, a confidence or a source repeated on every row is checked once.
      A field left out takes its default, as in a model instance made without it.
    - Then the model's own `clean()`, on a bare instance that holds only the cleaned values.
    - Unique checks and constraints: `validate` skips a check for a new record when one of its
      fields is still None (as Django does), which holds for every check that names the primary key
      or a foreign key in `new` (a record written in the same batch, with no id yet when validated).
      A model with any other check or constraint is refused here: validate its records one by one.
    """

    MEMO_LIMIT = 10_000  # distinct values kept per field (memory stays flat on any file)

    def __init__(self, model, *, known: tuple[str, ...] = (), new: tuple[str, ...] = ()):
        self.model = model
        self.fields = []
        for field in model._meta.fields:
            if field.name in known or field.generated:
                continue
            memo = None if isinstance(field, models.DateField | models.TimeField) else {}
            # A constant default is worked out once; a callable one for every record left without it.
            default = field.get_default if callable(field.default) else partial(_same, field.get_default())
            self.fields.append((field, field.attname, field.blank, field.empty_values, default, memo))
        self.own_clean = model.clean is not models.Model.clean
        still_none = {model._meta.pk.name, *new}
        probe = model.__new__(model)
        unique_checks, date_checks = probe._get_unique_checks()
        for _model, names in unique_checks:
            if not still_none.intersection(names):
                raise ImproperlyConfigured(f"{model.__name__}: unique {names} is checked per record, not here.")
        if date_checks:
            raise ImproperlyConfigured(f"{model.__name__}: unique-for-date checks are made per record, not here.")
        for _model, constraints in probe.get_constraints():
            for constraint in constraints:
                if not (
                    isinstance(constraint, UniqueConstraint)
                    and constraint.fields
                    and constraint.nulls_distinct is not False
                    and still_none.intersection(constraint.fields)
                ):
                    raise ImproperlyConfigured(f"{model.__name__}: {constraint.name} is checked per record, not here.")

    def validate(self, values: dict) -> None:
        """ValidationError({field: [messages]}) as `validate` raises it; `values` are cleaned in place."""
        errors = {}
        for field, attname, blank, empty_values, default, memo in self.fields:
            raw = values.get(attname, _MISSING)
            if raw is _MISSING:  # as a model instance made without it: the field's default
                raw = values[attname] = default()
            if blank and raw in empty_values:
                continue
            if memo is not None:
                try:
                    key = raw if type(raw) is str else (type(raw), raw)  # 1, 1.0 and True are not alike
                    hit = memo.get(key)
                except TypeError:  # an unhashable value: not memoised
                    key = hit = None
                if hit is not None:
                    if hit[0]:
                        values[attname] = hit[1]
                    else:
                        errors[field.name] = hit[1]
                    continue
            try:
                values[attname] = cleaned = field.clean(raw, None)
                hit = (True, cleaned)
            except ValidationError as error:
                errors[field.name] = error.error_list
                hit = (False, error.error_list)
            if memo is not None and key is not None:
                if len(memo) >= self.MEMO_LIMIT:
                    memo.clear()
                memo[key] = hit
        if self.own_clean:
            instance = self.model.__new__(self.model)
            instance.__dict__.update(values)
            instance._state = ModelState()
            try:
                instance.clean()
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


def create_record(obj, *, user, kind: str):
    """Validate and save a new record owned by the user's organisation in its programme."""
    organisation = acting_organisation(user)
    if hasattr(obj, "organisation_id") and obj.organisation_id is None:
        obj.organisation = organisation
    known = ()
    if hasattr(obj, "programme_id") and obj.programme_id is None:
        obj.programme_id = organisation.programme_id
        known = ("programme",)  # the organisation's own programme exists
    require(user, kind, Action.CREATE, obj)
    obj.created_by = user
    obj.updated_by = user
    as_changed_by(obj, user)
    validate(obj, known=known)
    obj.save()
    derived_written(kind, NOTHING_STORED, obj)
    return obj


def create_record_with_rules(obj, *, user, kind: str):
    """`create_record`, then run the follow-up rules the new record triggers once this commits
    (its calendar rules make their follow-ups now, not at the next daily sweep). `kind` is both
    the access policy's record kind and the rules' cause kind."""
    obj = create_record(obj, user=user, kind=kind)
    jobs.apply_followup_rules(kind, obj.pk)
    return obj


def update_record(obj, *, user, kind: str, **changes):
    """Validate and save changes to a record the user may change, as it is and as it will be."""
    require(user, kind, Action.CHANGE, obj)
    before = derived_before(kind, obj)
    for field, value in changes.items():
        model_field = obj._meta.get_field(field)
        if model_field.many_to_one and value is not None:
            # A changed reference must be to a record the user may see (unknown otherwise).
            target_kind = kind_of_model(model_field.related_model)
            if target_kind:
                require_visible(user, target_kind, value, field)
            elif model_field.related_model is PartnerOrganisation and (
                value.programme_id != acting_organisation(user).programme_id
            ):
                raise ValidationError({field: _("No such record.")})
        setattr(obj, field, value)
    if not allows_state(user, kind, Action.CHANGE, obj):
        raise PermissionDenied(_("You may not do this."))
    obj.updated_by = user
    as_changed_by(obj, user)
    validate(obj)
    obj.save()
    derived_written(kind, before, obj)
    return obj


# What the derived data kept by the write path depend on in a record: (its `reach.state`, its
# `weekly_counts.link_state`); both None for a new record, or one of a kind neither watches.
NOTHING_STORED = (None, None)


def derived_before(kind: str, obj) -> tuple:
    """The record's states as the database holds them, read once before a write: the caller's copy
    may be older than a change another request made since it was read."""
    if kind not in reach.REACH_KINDS or obj.pk is None:  # the reach watches memberships too
        return NOTHING_STORED
    stored = type(obj)._default_manager.filter(pk=obj.pk).first()
    if stored is None:
        return NOTHING_STORED
    return reach.state(kind, stored), weekly_counts.link_state(kind, stored)


def derived_written(kind: str, before: tuple, obj) -> None:
    """After `obj` was created or changed (`before`: `derived_before`), bring in line the stored
    reach of the message and the incidents linked to each group that the weekly review reads."""
    reach.record_written(kind, before[0], obj)
    weekly_counts.record_written(kind, before[1], obj)
