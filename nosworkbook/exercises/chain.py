"""Service chains: who supplies whom, from the first supplier to the end-user customer.

Roles are seen from your own team's place in the chain. Two questions decide most of them: is
the party part of your organisation (internal) or not (external), and does it supply you or do
you supply it? The end-user customer is the person who finally uses the service; an external
customer receives your service but passes it on (a business that buys for its staff, a travel
agent booking rooms for its clients).

The order of the chain is marked like any ordering (see `complaints.mark_order`): the share of
pairs of links in the right relative order, full marks only for the exact chain.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nosworkbook.exercises.base import Answer, Exercise, Part, Result, answer_text, register
from nosworkbook.exercises.toolkit.choices import check_choices, choice_fields
from nosworkbook.exercises.toolkit.ordering import mark_order, order_field, read_order
from nosworkbook.exercises.toolkit.wording import variant, variants

ROLES: dict[str, str] = {
    "external supplier": "outside your organisation, and supplies goods or services your work "
    "depends on",
    "internal supplier": "colleagues in your organisation whose work you depend on",
    "internal customer": "colleagues in your organisation who depend on your work",
    "external customer": "outside your organisation, and receives your service but is not its "
    "final user",
    "end-user customer": "the person who finally uses the product or service: the end of the chain",
}


def role_for(internal: bool, supplies_you: bool, end_user: bool = False) -> str:
    """The role of a party in your service chain, from where it sits and which way work flows."""
    if end_user:
        if internal:
            raise ValueError("an end-user customer is outside your organisation: internal=False")
        return "end-user customer"
    side = "internal" if internal else "external"
    return f"{side} {'supplier' if supplies_you else 'customer'}"


def read_role(value: str) -> str | None:
    """A role from the learner's text, forgiving case, spacing and 'end user' without a hyphen."""
    text = " ".join(str(value).replace("-", " ").split()).casefold()
    for role in ROLES:
        if text == role.replace("-", " "):
            return role
    return None


@register("service-chain")
class ServiceChain(Exercise):
    """Name each party's role, then order the chain from first supplier to end-user customer.

    Spec: `parties`: every link of the chain in its right order, each `{name, role, what,
    why}` (`name`, `what` and `why` may vary by sector; `role` one of ROLES, or `you` for your
    own link, which is ordered but not asked about); `chain_why`; `choices`: optional
    single-choice questions.
    """

    @property
    def parties(self) -> list[Mapping[str, Any]]:
        parties = list(self.spec["parties"])
        for party in parties:
            if party["role"] not in ROLES and party["role"] != "you":
                raise ValueError(f"{self.id}: unknown role {party['role']!r}")
        return parties

    def _name(self, party: Mapping[str, Any]) -> str:
        return self.text(variant(party["name"], self.setting.sector))

    def _asked(self) -> list[tuple[int, Mapping[str, Any]]]:
        """(number, party) for the parties whose role the learner names (not your own link)."""
        return list(enumerate((p for p in self.parties if p["role"] != "you"), 1))

    def blocks(self) -> list[dict[str, Any]]:
        return [
            {
                "type": "table",
                "caption": "Roles in a service chain, seen from your team",
                "columns": ["Role", "Who it is"],
                "rows": [[role, meaning] for role, meaning in ROLES.items()],
            }
        ]

    def form(self) -> list[dict[str, Any]]:
        fields: list[dict[str, Any]] = []
        for n, party in self._asked():
            what = self.text(variant(party.get("what", ""), self.setting.sector)).strip()
            label = f"Party {n}: {self._name(party)}" + (f" \u2014 {what}" if what else "")
            fields.append(
                {
                    "type": "group",
                    "label": label,
                    "fields": [
                        {
                            "type": "select",
                            "name": f"party{n}.role",
                            "label": f"Party {n} role",
                            "options": list(ROLES),
                        }
                    ],
                }
            )
        names = [self._name(p) for p in self.parties]
        label = "Service chain, from first supplier to end-user customer"
        fields.append(order_field("chain", label, names, self.id))
        return fields + choice_fields(self.spec.get("choices", []), self.text)

    def check(self, answer: Answer) -> Result:
        parts = []
        for n, party in self._asked():
            want = party["role"]
            name = self._name(party)
            why = self.text(variant(party.get("why", ""), self.setting.sector)).strip()
            raw = answer_text(answer, f"party{n}.role")
            got = read_role(raw)
            part = f"Party {n} role"
            if not raw:
                parts.append(Part(part, 0.0, f"Choose a role for party {n}, {name}."))
            elif got == want:
                parts.append(Part(part, 1.0, f"Yes: {want}. {why}".strip()))
            else:
                shown = got or raw
                parts.append(
                    Part(
                        part,
                        0.0,
                        f"You chose {shown}; \u201c{name}\u201d is your {want} "
                        f"({ROLES[want]}). {why}".strip(),
                    )
                )
        correct = [[self.text(w) for w in variants(p["name"])] for p in self.parties]
        names = [self._name(p) for p in self.parties]
        why = self.text(self.spec.get("chain_why", "")).strip()
        order = mark_order(answer, "chain", "Order of the chain", correct, names, why, "links")
        if not order.ok:
            order = Part(order.name, order.score, f"{order.feedback} {self._flow_hint(answer)}")
        parts.append(order)
        parts += check_choices(answer, self.spec.get("choices", []), self.text)
        return Result(tuple(parts))

    def _flow_hint(self, answer: Answer) -> str:
        """Point out a party the learner called a supplier but placed after their own link."""
        correct = [[self.text(w) for w in variants(p["name"])] for p in self.parties]
        positions = read_order(answer.get("chain"), correct)
        chain = self.parties
        you = next((i for i, p in enumerate(chain) if p["role"] == "you"), None)
        if positions is None or you is None:
            return "Suppliers come before you in the chain, customers after you."
        where_you = positions.index(you)
        numbers = {id(p): n for n, p in self._asked()}
        for place, index in enumerate(positions):
            party = chain[index]
            if party["role"] == "you":
                continue
            role = read_role(answer_text(answer, f"party{numbers[id(party)]}.role")) or ""
            if role.endswith("supplier") and place > where_you:
                return (
                    f"You called \u201c{self._name(party)}\u201d a supplier but placed it after "
                    "your own link: suppliers come before you."
                )
            if role.endswith("customer") and place < where_you:
                return (
                    f"You called \u201c{self._name(party)}\u201d a customer but placed it before "
                    "your own link: customers come after you."
                )
        return "Follow the work: each link supplies the next one."

    def after_check(self, answer: Answer, result: Result) -> list[dict[str, Any]]:
        correct = [[self.text(w) for w in variants(p["name"])] for p in self.parties]
        positions = read_order(answer.get("chain"), correct)
        if positions is None:
            return []
        chain = self.parties
        numbers = {id(p): n for n, p in self._asked()}
        rows = []
        for place, index in enumerate(positions, 1):
            party = chain[index]
            if party["role"] == "you":
                role = "you"
            else:
                role = read_role(answer_text(answer, f"party{numbers[id(party)]}.role")) or "?"
            rows.append([place, self._name(party), role])
        return [
            {
                "type": "table",
                "caption": "Your service chain, first supplier at the top",
                "columns": ["Link", "Party", "Your role for it"],
                "rows": rows,
            }
        ]
