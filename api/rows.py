"""Light read serializers: declared like DRF serializers, fed by `.values()` rows.

DRF's generic serializers spend most of a list request walking fields and model instances. Here a
serializer declares its fields exactly as DRF would (so drf-spectacular documents them), and from
those declarations derives two things once per class:

- the `.values()` columns to select (`RowSerializer.columns()`), joins included, so a list is one
  query and no row ever triggers another;
- one getter per field, which turns a row dict into the JSON dict with a few C-level lookups.

Field kinds: plain fields read `row[source]`; `DecimalField` → string as DRF does; `DateField` →
ISO date; `DateTimeField` → ISO in the current time zone, as DRF does; `Ref`, `CaseRef` and
`PersonRef` read `<source>` (the id, as `.values()` gives it) and the related name columns, and are
null when the id is; `Display(enum)` → the choice's label in the request's language; `Computed(...)` → the serializer's
`compute_<name>(row)` method; a nested `RowSerializer(many=True)` reads a list the view attached.
"""

from decimal import Decimal
from functools import cache
from operator import itemgetter

from django.utils import timezone
from django.utils.translation import get_language
from rest_framework import serializers


def person_name(first: str, last: str, username: str) -> str:
    """As `accounts.User.__str__`: Chinese names family name first, without a space."""
    last, first = (last or "").strip(), (first or "").strip()
    if any("\u4e00" <= ch <= "\u9fff" for ch in last + first):
        full = f"{last}{first}"
    else:
        full = f"{first} {last}".strip()
    return full or username


@cache
def _labels(enum, language):
    return {value: str(label) for value, label in enum.choices}


def labels(enum) -> dict:
    return _labels(enum, get_language())


def iso_datetime(value, tz=None):
    if value is None:
        return None
    text = value.astimezone(tz or timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def iso_date(value):
    return None if value is None else value.isoformat()


def decimal_text(value):
    if value is None:
        return None
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return format(value, "f")


# ---------------------------------------------------------------- nested references


class Ref(serializers.Serializer):
    """A related object, by id and name."""

    id = serializers.IntegerField(help_text="The object's id.")
    name = serializers.CharField(help_text="Its name.")

    name_column = "name"

    @classmethod
    def columns(cls, source: str) -> list[str]:
        return [source, f"{source}__{cls.name_column}"]

    @classmethod
    def getter(cls, source: str):
        id_key, name_key = cls.columns(source)

        def get(row):
            pk = row[id_key]
            return None if pk is None else {"id": pk, "name": row[name_key]}

        return get


class CaseRef(serializers.Serializer):
    """A case, by id and number."""

    id = serializers.IntegerField(help_text="The case's id.")
    number = serializers.CharField(help_text="The case number, e.g. BK-2026-000123.")

    @classmethod
    def columns(cls, source: str) -> list[str]:
        return [source, f"{source}__number"]

    @classmethod
    def getter(cls, source: str):
        id_key, number_key = cls.columns(source)

        def get(row):
            pk = row[id_key]
            return None if pk is None else {"id": pk, "number": row[number_key]}

        return get


class PersonRef(serializers.Serializer):
    """A user, by id and display name (no user names or contact details)."""

    id = serializers.IntegerField(help_text="The user's id.")
    name = serializers.CharField(help_text="The person's name as the pages show it.")

    @classmethod
    def columns(cls, source: str) -> list[str]:
        return [source, f"{source}__first_name", f"{source}__last_name", f"{source}__username"]

    @classmethod
    def getter(cls, source: str):
        id_key, first, last, username = cls.columns(source)

        def get(row):
            pk = row[id_key]
            return None if pk is None else {"id": pk, "name": person_name(row[first], row[last], row[username])}

        return get


class Display(serializers.CharField):
    """The label of a choice field, in the request's language."""

    def __init__(self, enum, source: str, **kwargs):
        self.enum = enum
        kwargs.setdefault("help_text", f"The label of `{source}`, in the request's language.")
        super().__init__(source=source, read_only=True, **kwargs)


class Computed:
    """Marks a declared field as computed by the serializer's `compute_<name>(row)`, from `needs` columns."""

    def __init__(self, field: serializers.Field, *needs: str):
        self.field = field
        self.needs = needs


# ---------------------------------------------------------------- the serializer


class RowSerializerMeta(serializers.SerializerMetaclass):
    def __new__(mcs, name, bases, attrs):
        computed = {}
        for key, value in list(attrs.items()):
            if isinstance(value, Computed):
                computed[key] = value.needs
                attrs[key] = value.field
        cls = super().__new__(mcs, name, bases, attrs)
        inherited = {}
        for base in reversed(cls.__mro__[1:]):
            inherited.update(getattr(base, "_computed_needs", {}))
        cls._computed_needs = {**inherited, **computed}
        cls._plan = None
        return cls


class RowSerializer(serializers.Serializer, metaclass=RowSerializerMeta):
    # Read-only; see the module docstring. (No docstring: the schema would show it for every subclass.)

    @classmethod
    def _make_plan(cls):
        fields = cls().fields
        plan, columns = [], []
        for name, field in fields.items():
            source = field.source or name
            if name in cls._computed_needs:
                plan.append((name, "computed", name))
                columns.extend(cls._computed_needs[name])
            elif isinstance(field, serializers.ListSerializer):
                plan.append((name, "nested", (source, type(field.child))))
            elif isinstance(field, Ref | CaseRef | PersonRef):
                plan.append((name, "getter", type(field).getter(source)))
                columns.extend(type(field).columns(source))
            elif isinstance(field, Display):
                plan.append((name, "display", (source, field.enum)))
                columns.append(source)
            elif isinstance(field, serializers.DecimalField):
                plan.append((name, "call", (source, decimal_text)))
                columns.append(source)
            elif isinstance(field, serializers.DateTimeField):
                plan.append((name, "datetime", source))
                columns.append(source)
            elif isinstance(field, serializers.DateField):
                plan.append((name, "call", (source, iso_date)))
                columns.append(source)
            else:
                plan.append((name, "plain", source))
                columns.append(source)
        return plan, list(dict.fromkeys(columns))

    @classmethod
    def plan(cls):
        if cls.__dict__.get("_plan") is None:
            cls._plan = cls._make_plan()
        return cls._plan

    @classmethod
    def columns(cls) -> list[str]:
        """The `.values()` columns this serializer reads."""
        return cls.plan()[1]

    def _getters(self):
        getters = []
        tz = timezone.get_current_timezone()  # once per serializer, not once per value
        for name, kind, arg in self.plan()[0]:
            if kind == "plain":
                getters.append((name, itemgetter(arg)))
            elif kind == "getter":
                getters.append((name, arg))
            elif kind == "call":
                key, function = arg
                getters.append((name, lambda row, key=key, function=function: function(row[key])))
            elif kind == "datetime":
                getters.append((name, lambda row, key=arg, tz=tz: iso_datetime(row[key], tz)))
            elif kind == "display":
                key, enum = arg
                table = labels(enum)
                getters.append((name, lambda row, key=key, table=table: table.get(row[key], row[key])))
            elif kind == "computed":
                getters.append((name, getattr(self, f"compute_{arg}")))
            elif kind == "nested":
                key, child_class = arg
                child = child_class(context=self._context)
                getters.append(
                    (name, lambda row, key=key, child=child: [child.to_representation(item) for item in row[key]])
                )
        return getters

    def to_representation(self, instance):
        getters = self.__dict__.get("_bound_getters")
        if getters is None:
            getters = self._bound_getters = self._getters()
        return {name: get(instance) for name, get in getters}
