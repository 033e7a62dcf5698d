"""AWS's policy evaluation for one request in one account, as far as the
template's policies need it.

moto evaluates no IAM for Secrets Manager, and its access_control module
(the only evaluator installed) treats a failed condition of an Allow as a
Deny and knows only StringEquals, so this module implements the documented
logic for the cases the template uses:

- reference_policies_evaluation-logic: an explicit Deny in any policy wins;
  otherwise an Allow from an identity policy that the permissions boundary
  (if any) also allows, or from a resource policy naming the principal;
  a resource policy that names a role's ARN is still limited by the
  boundary; a KMS key policy must allow the principal itself or the account
  (which then delegates to the identity policies).
- reference_policies_elements_condition_operators: the String and Arn
  operators, Bool, Null, ...IfExists, a missing key; ArnLike compares the
  six colon-delimited parts separately.
- reference_policies_multi-value-conditions: ForAnyValue / ForAllValues.

Policy variables, NotPrincipal and the numeric, date and IP operators are
refused (an AssertionError), never silently mis-evaluated.
Tests/EndToEnd/test_iam_evaluator.py checks this against the examples of
those pages, with their documented answers.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

ContextValue = str | Sequence[str]


class Decision(enum.Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit deny"
    IMPLICIT_DENY = "implicit deny"


@dataclass(frozen=True)
class Request:
    """One authorization: the action, the resource's ARN, who asks (the
    role's ARN, which is also aws:PrincipalArn) and the request context."""

    action: str
    resource: str
    principal: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)

    def value(self, key: str) -> list[str] | None:
        """The key's values, or None when the request has no such key
        (condition key names are case-insensitive)."""
        wanted = key.lower()
        if wanted == "aws:principalarn":
            return [self.principal]
        for name, value in self.context.items():
            if name.lower() == wanted:
                return [value] if isinstance(value, str) else list(value)
        return None

    @property
    def account(self) -> str:
        return self.principal.split(":")[4]


@dataclass(frozen=True)
class Policies:
    """What applies to one request: the principal's identity policies, its
    permissions boundary, the resource's own policy, and for KMS the key's."""

    identity: Sequence[Mapping[str, Any]]
    boundary: Mapping[str, Any] | None = None
    resource: Mapping[str, Any] | None = None
    key: Mapping[str, Any] | None = None


def as_list(value: Any) -> list:
    return list(value) if isinstance(value, list | tuple) else [value]


def glob(pattern: str, text: str, ignore_case: bool = False) -> bool:
    """IAM's wildcards: * any run of characters, ? exactly one."""
    assert "${" not in pattern, f"policy variables are not evaluated here: {pattern}"
    expression = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(expression, text, re.DOTALL | (re.IGNORECASE if ignore_case else 0)) is not None


def arn_parts(arn: str) -> list[str] | None:
    parts = arn.split(":", 5)
    return parts if len(parts) == 6 and parts[0] == "arn" else None


def arn_like(pattern: str, value: str) -> bool:
    """ArnLike / ArnEquals: each of the six colon-delimited parts matched on
    its own (the last part is the rest, colons included)."""
    wanted, actual = arn_parts(pattern), arn_parts(value)
    if wanted is None or actual is None:
        return False
    return all(glob(w, a) for w, a in zip(wanted, actual, strict=True))


def resource_matches(pattern: str, resource: str) -> bool:
    if pattern == "*":
        return True
    return arn_like(pattern, resource)


_MATCHERS = {
    "StringEquals": lambda p, v: p == v,
    "StringEqualsIgnoreCase": lambda p, v: p.lower() == v.lower(),
    "StringLike": glob,
    "ArnEquals": arn_like,
    "ArnLike": arn_like,
    "Bool": lambda p, v: p.lower() == v.lower(),
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


def _operator_holds(operator: str, key: str, expected: list[str], request: Request) -> bool:
    actual = request.value(key)
    if operator == "Null":
        (wanted,) = expected
        return (actual is None) == (str(wanted).lower() == "true")
    qualifier = ""
    if ":" in operator:
        qualifier, operator = operator.split(":", 1)
        assert qualifier in ("ForAnyValue", "ForAllValues"), f"unknown set operator {qualifier}"
    if_exists = operator.endswith("IfExists")
    if if_exists:
        operator = operator.removesuffix("IfExists")
        if actual is None:
            return True
    negated = operator in _NEGATED
    base = _NEGATED.get(operator, operator)
    assert base in _MATCHERS, f"condition operator {operator} is not evaluated here"
    match = _MATCHERS[base]

    def one(value: str) -> bool:
        hit = any(match(str(pattern), value) for pattern in expected)
        return not hit if negated else hit

    if qualifier == "ForAllValues":
        return all(one(value) for value in actual or [])
    if qualifier == "ForAnyValue":
        return any(one(value) for value in actual or [])
    if actual is None:
        # A missing key matches nothing: a positive test fails, a negated one holds.
        return negated
    return all(one(value) for value in actual)


def condition_holds(condition: Mapping[str, Mapping[str, Any]], request: Request) -> bool:
    """Every operator, and within each every key, must hold (AND); the
    values listed for one key are alternatives (OR)."""
    return all(
        _operator_holds(operator, key, [str(v) for v in as_list(values)], request)
        for operator, keys in condition.items()
        for key, values in keys.items())


def _action_matches(statement: Mapping[str, Any], action: str) -> bool:
    if "NotAction" in statement:
        return not any(glob(p, action, ignore_case=True) for p in as_list(statement["NotAction"]))
    return any(glob(p, action, ignore_case=True) for p in as_list(statement["Action"]))


def _resource_matches(statement: Mapping[str, Any], resource: str) -> bool:
    if "NotResource" in statement:
        return not any(resource_matches(p, resource) for p in as_list(statement["NotResource"]))
    return any(resource_matches(p, resource) for p in as_list(statement.get("Resource", "*")))


class Naming(enum.Enum):
    """How a resource policy's Principal names the requester."""

    NOT = 0
    ACCOUNT = 1  # the account (its root): the account's identity policies decide
    DIRECTLY = 2  # the principal itself, or everyone ("*")


def principal_naming(statement: Mapping[str, Any], request: Request) -> Naming:
    assert "NotPrincipal" not in statement, "NotPrincipal is not evaluated here"
    principal = statement["Principal"]
    if principal == "*":
        return Naming.DIRECTLY
    best = Naming.NOT
    for arn in as_list(principal.get("AWS", [])):
        if arn == "*" or arn == request.principal:
            return Naming.DIRECTLY
        if arn in (request.account, f"arn:{request.principal.split(':')[1]}:iam::{request.account}:root"):
            best = Naming.ACCOUNT
    return best


def _applies(statement: Mapping[str, Any], request: Request) -> bool:
    return (_action_matches(statement, request.action) and _resource_matches(statement, request.resource)
            and condition_holds(statement.get("Condition", {}), request))


def _statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return as_list(document["Statement"])


def _allows(documents: Sequence[Mapping[str, Any]], request: Request) -> bool:
    return any(s["Effect"] == "Allow" and _applies(s, request) for d in documents for s in _statements(d))


def _resource_allow(document: Mapping[str, Any] | None, request: Request) -> Naming:
    if document is None:
        return Naming.NOT
    found = Naming.NOT
    for statement in _statements(document):
        if statement["Effect"] == "Allow" and _applies(statement, request):
            found = max(found, principal_naming(statement, request), key=lambda n: n.value)
    return found


def _denies(document: Mapping[str, Any], request: Request, with_principal: bool) -> bool:
    return any(
        s["Effect"] == "Deny" and _applies(s, request)
        and (not with_principal or principal_naming(s, request) is not Naming.NOT)
        for s in _statements(document))


def evaluate(request: Request, policies: Policies) -> Decision:
    identity_documents = list(policies.identity)
    unattached = [policies.boundary] if policies.boundary else []
    resource_documents = [d for d in (policies.resource, policies.key) if d]
    if (any(_denies(d, request, with_principal=False) for d in identity_documents + unattached)
            or any(_denies(d, request, with_principal=True) for d in resource_documents)):
        return Decision.EXPLICIT_DENY
    boundary_allows = policies.boundary is None or _allows([policies.boundary], request)
    identity_allows = _allows(identity_documents, request) and boundary_allows
    if request.action.lower().startswith("kms:"):
        # A key policy must allow: the principal itself, or the account,
        # which hands the decision to the identity policies.
        assert policies.key is not None, "a KMS request needs the key's policy"
        naming = _resource_allow(policies.key, request)
        allowed = (naming is Naming.DIRECTLY and boundary_allows) or (naming is Naming.ACCOUNT and identity_allows)
    else:
        # A resource policy naming the principal allows on its own, except
        # that a role's is still limited by its boundary (a user's is not).
        naming = _resource_allow(policies.resource, request)
        limited = ":role/" in request.principal
        allowed = identity_allows or (naming is Naming.DIRECTLY and (boundary_allows or not limited))
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY
