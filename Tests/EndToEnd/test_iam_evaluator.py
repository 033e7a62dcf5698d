"""harness/iam.py checked against the IAM documentation's own examples: each
policy and request below is the page's, with the answer the page gives.

- OPERATORS: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
- SETS: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html
- LOGIC: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
- BOUNDARIES: https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
- KEYS: https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html
(The pages' "account-id" and "REGION" placeholders are filled in.)
"""

from __future__ import annotations

import pytest

from harness.iam import Decision, Policies, Request, arn_like, condition_holds, evaluate, glob

ALLOW, EXPLICIT, IMPLICIT = Decision.ALLOW, Decision.EXPLICIT_DENY, Decision.IMPLICIT_DENY
USER = "arn:aws:iam::111122223333:user/bob"


def policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


# OPERATORS, "String condition operators": the principal must carry the tag.
ACCESS_KEYS_FOR_ADMINS = policy({
    "Effect": "Allow", "Action": "iam:*AccessKey*", "Resource": "arn:aws:iam::111122223333:user/*",
    "Condition": {"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}}})


@pytest.mark.parametrize("tags,expected", [
    ({"aws:PrincipalTag/job-category": "iamuser-admin"}, ALLOW),
    ({"aws:PrincipalTag/job-category": "dev"}, IMPLICIT),
    ({}, IMPLICIT),  # "If a user without the tag attempts to view or edit an access key ... implicitly denied"
])
def test_operators_page_string_equals(tags, expected):
    request = Request("iam:CreateAccessKey", "arn:aws:iam::111122223333:user/bob", USER, tags)
    assert evaluate(request, Policies([ACCESS_KEYS_FOR_ADMINS])) is expected


def test_operators_page_bool_denies_s3_without_tls():
    deny = policy({"Sid": "BooleanExample", "Action": "s3:*", "Effect": "Deny",
                   "Resource": ["arn:aws:s3:::DOC-EXAMPLE-BUCKET", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"],
                   "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
    # "This policy does not allow any actions": combined with one that does.
    allow = policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    obj = "arn:aws:s3:::DOC-EXAMPLE-BUCKET/report.csv"
    assert evaluate(Request("s3:GetObject", obj, USER, {"aws:SecureTransport": "false"}),
                    Policies([deny, allow])) is EXPLICIT
    assert evaluate(Request("s3:GetObject", obj, USER, {"aws:SecureTransport": "true"}),
                    Policies([deny, allow])) is ALLOW
    assert evaluate(Request("s3:GetObject", obj, USER, {"aws:SecureTransport": "true"}),
                    Policies([deny])) is IMPLICIT


def test_operators_page_arn_like_matches_each_part_where_string_like_spans_colons():
    pattern = "arn:aws:someservice:*:111122223333:finance/*"
    value = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"
    request = Request("someservice:Get", "*", USER, {"aws:SourceArn": value})
    assert condition_holds({"StringLike": {"aws:SourceArn": pattern}}, request)  # "the match succeeds"
    assert not condition_holds({"ArnLike": {"aws:SourceArn": pattern}}, request)  # "the match fails"
    assert not arn_like(pattern, value)


def test_operators_page_arn_equals_source_arn():
    condition = {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-2:123456789012:TOPIC-ID"}}
    sent_by_topic = Request("SQS:SendMessage", "arn:aws:sqs:us-east-2:123456789012:QUEUE-ID", USER,
                            {"aws:SourceArn": "arn:aws:sns:us-east-2:123456789012:TOPIC-ID"})
    other_topic = Request("SQS:SendMessage", "arn:aws:sqs:us-east-2:123456789012:QUEUE-ID", USER,
                          {"aws:SourceArn": "arn:aws:sns:us-east-2:123456789012:OTHER"})
    direct = Request("SQS:SendMessage", "arn:aws:sqs:us-east-2:123456789012:QUEUE-ID", USER)
    assert condition_holds(condition, sent_by_topic)
    assert not condition_holds(condition, other_topic)
    # "If an IAM user attempts to perform this operation directly, the condition returns false"
    assert not condition_holds(condition, direct)


RUN_INSTANCES = "ec2:RunInstances"
IMAGE = "arn:aws:ec2:us-east-2::image/ami-0abcdef1234567890"
INSTANCE = "arn:aws:ec2:us-east-2:111122223333:instance/*"
DOES_NOT_WORK = policy({"Sid": "THISPOLICYDOESNOTWORK", "Effect": "Allow", "Action": RUN_INSTANCES,
                        "Resource": "*", "Condition": {"StringLike": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}})
WORKS = policy({"Sid": "RunInstance", "Effect": "Allow", "Action": RUN_INSTANCES, "Resource": "*",
                "Condition": {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}})


def test_operators_page_if_exists():
    image = Request(RUN_INSTANCES, IMAGE, USER)  # "These additional resources do not have the ec2:InstanceType key"
    assert evaluate(image, Policies([DOES_NOT_WORK])) is IMPLICIT
    assert evaluate(image, Policies([WORKS])) is ALLOW
    assert evaluate(Request(RUN_INSTANCES, INSTANCE, USER, {"ec2:InstanceType": "t2.micro"}),
                    Policies([WORKS])) is ALLOW
    assert evaluate(Request(RUN_INSTANCES, INSTANCE, USER, {"ec2:InstanceType": "m4.large"}),
                    Policies([WORKS])) is IMPLICIT


def test_operators_page_null_check():
    only_own_credentials = policy({"Action": "ec2:*", "Effect": "Allow", "Resource": "*",
                                   "Condition": {"Null": {"aws:TokenIssueTime": "true"}}})
    own = Request("ec2:DescribeInstances", "*", USER)
    temporary = Request("ec2:DescribeInstances", "*", USER, {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"})
    assert evaluate(own, Policies([only_own_credentials])) is ALLOW
    assert evaluate(temporary, Policies([only_own_credentials])) is IMPLICIT


def test_operators_page_a_negated_operator_holds_when_the_key_is_missing():
    # "If the policy condition requires that the key is not matched, such as
    # StringNotLike or ArnNotLike, and the right key is not present, the condition is true."
    request = Request("s3:GetObject", "*", USER)
    assert condition_holds({"StringNotLike": {"aws:PrincipalTag/team": "x*"}}, request)
    assert condition_holds({"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:*:x"}}, request)
    assert not condition_holds({"StringLike": {"aws:PrincipalTag/team": "x*"}}, request)


THREAD = "arn:aws:dynamodb:us-east-2:111122223333:table/Thread"
ONLY_SOME_ATTRIBUTES = policy({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": THREAD,
                               "Condition": {"ForAllValues:StringLike": {
                                   "dynamodb:requestedAttributes": ["PostDateTime", "Message", "Tags"]}}})
NO_ID_UPDATES = policy({"Effect": "Deny", "Action": "dynamodb:PutItem", "Resource": THREAD,
                        "Condition": {"ForAnyValue:StringLike": {
                            "dynamodb:requestedAttributes": ["ID", "PostDateTime"]}}})


@pytest.mark.parametrize("attributes,expected", [
    (["PostDateTime", "Message"], ALLOW),  # "the request is allowed"
    (["PostDateTime", "ID"], IMPLICIT),  # "if the user's request includes the ID attribute, the request fails"
    (["PostDateTime", "UserName"], IMPLICIT),  # "There's no match for UserName ... does not allow the request"
])
def test_sets_page_for_all_values(attributes, expected):
    request = Request("dynamodb:GetItem", THREAD, USER, {"dynamodb:requestedAttributes": attributes})
    assert evaluate(request, Policies([ONLY_SOME_ATTRIBUTES])) is expected


def test_sets_page_for_any_value_deny():
    allow_put = policy({"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": THREAD})
    # "one match (PostDateTime), so the condition is true ... the request is denied"
    assert evaluate(Request("dynamodb:PutItem", THREAD, USER,
                            {"dynamodb:requestedAttributes": ["UserName", "Message", "PostDateTime"]}),
                    Policies([NO_ID_UPDATES, allow_put])) is EXPLICIT
    # "just the UserName attribute ... the request is not denied by this policy"
    assert evaluate(Request("dynamodb:PutItem", THREAD, USER, {"dynamodb:requestedAttributes": ["UserName"]}),
                    Policies([NO_ID_UPDATES, allow_put])) is ALLOW
    # "(For the request to succeed, it must be explicitly allowed by a different policy ...)"
    assert evaluate(Request("dynamodb:PutItem", THREAD, USER, {"dynamodb:requestedAttributes": ["UserName"]}),
                    Policies([NO_ID_UPDATES])) is IMPLICIT


def test_sets_page_an_empty_set():
    # "ForAllValues returns true, and ... ForAnyValue returns false"
    request = Request("dynamodb:GetItem", THREAD, USER, {"dynamodb:requestedAttributes": []})
    assert condition_holds({"ForAllValues:StringLike": {"dynamodb:requestedAttributes": ["Tags"]}}, request)
    assert not condition_holds({"ForAnyValue:StringLike": {"dynamodb:requestedAttributes": ["Tags"]}}, request)


CARLOS = "arn:aws:iam::123456789012:user/carlossalazar"
CARLOS_IDENTITY = policy(
    {"Sid": "AllowS3ListRead", "Effect": "Allow",
     "Action": ["s3:GetBucketLocation", "s3:GetAccountPublicAccessBlock", "s3:ListAccessPoints",
                "s3:ListAllMyBuckets"], "Resource": "arn:aws:s3:::*"},
    {"Sid": "AllowS3Self", "Effect": "Allow", "Action": "s3:*",
     "Resource": ["arn:aws:s3:::carlossalazar/*", "arn:aws:s3:::carlossalazar"]},
    {"Sid": "DenyS3Logs", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::*log*"})
CARLOS_BUCKET = policy({"Effect": "Allow", "Principal": {"AWS": CARLOS}, "Action": "s3:*",
                        "Resource": ["arn:aws:s3:::carlossalazar/*", "arn:aws:s3:::carlossalazar"]})


def test_logic_page_carlos():
    to_logs = Request("s3:PutObject", "arn:aws:s3:::carlossalazar-logs/file.txt", CARLOS)
    to_own = Request("s3:PutObject", "arn:aws:s3:::carlossalazar/file.txt", CARLOS)
    # "Carlos is denied access" / "AWS allows the request"
    assert evaluate(to_logs, Policies([CARLOS_IDENTITY])) is EXPLICIT
    assert evaluate(to_own, Policies([CARLOS_IDENTITY], resource=CARLOS_BUCKET)) is ALLOW
    # "If one of the policy types allows the request and the other doesn't, the request is still allowed."
    without_self = policy(*[s for s in CARLOS_IDENTITY["Statement"] if s["Sid"] != "AllowS3Self"])
    assert evaluate(to_own, Policies([without_self], resource=CARLOS_BUCKET)) is ALLOW
    assert evaluate(to_own, Policies([CARLOS_IDENTITY])) is ALLOW
    assert evaluate(to_own, Policies([without_self])) is IMPLICIT


@pytest.mark.parametrize("action,expected", [
    ("iam:GetUser", ALLOW), ("iam:ListRoles", ALLOW),
    ("iam:CreatePolicy", IMPLICIT),  # "All other actions in IAM ... are implicitly denied"
    ("iam:GetOrganizationsAccessReport", EXPLICIT),  # "explicitly denies access to IAM reports"
])
def test_logic_page_explicit_and_implicit_denies(action, expected):
    get_list = policy({"Sid": "AllowGetList", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"},
                      {"Sid": "DenyReports", "Effect": "Deny", "Action": "iam:*Report", "Resource": "*"})
    assert evaluate(Request(action, "*", USER), Policies([get_list])) is expected
    # "If someone adds another policy ... such as iam:GenerateCredentialReport, ... still denied"
    more = policy({"Effect": "Allow", "Action": "iam:GenerateCredentialReport", "Resource": "*"})
    assert evaluate(Request("iam:GenerateCredentialReport", "*", USER), Policies([get_list, more])) is EXPLICIT


def test_logic_page_a_resource_policy_naming_a_role_is_limited_by_its_boundary():
    role = "arn:aws:iam::111122223333:role/examplerole"
    names_role = policy({"Effect": "Allow", "Principal": {"AWS": role}, "Action": "s3:GetObject",
                         "Resource": "arn:aws:s3:::b/*"})
    names_user = policy({"Effect": "Allow", "Principal": {"AWS": USER}, "Action": "s3:GetObject",
                         "Resource": "arn:aws:s3:::b/*"})
    boundary = policy({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"})
    assert evaluate(Request("s3:GetObject", "arn:aws:s3:::b/k", role), Policies([], resource=names_role)) is ALLOW
    # "Resource-based policies that grant permissions to an IAM role ARN are limited by an implicit deny in a
    # permissions boundary"
    assert evaluate(Request("s3:GetObject", "arn:aws:s3:::b/k", role),
                    Policies([], boundary=boundary, resource=names_role)) is IMPLICIT
    # "... to an IAM user ARN ... are not limited by an implicit deny in an identity-based policy or permissions
    # boundary."
    assert evaluate(Request("s3:GetObject", "arn:aws:s3:::b/k", USER),
                    Policies([], boundary=boundary, resource=names_user)) is ALLOW


def test_boundaries_page_shirley():
    shirley = "arn:aws:iam::111122223333:user/ShirleyRodriguez"
    boundary = policy({"Effect": "Allow", "Action": ["s3:*", "cloudwatch:*", "ec2:*"], "Resource": "*"})
    create_user = policy({"Effect": "Allow", "Action": "iam:CreateUser", "Resource": "*"})
    # "If ... Shirley tries to create a user, the operation fails."
    assert evaluate(Request("iam:CreateUser", "arn:aws:iam::111122223333:user/new", shirley),
                    Policies([create_user], boundary=boundary)) is IMPLICIT
    assert evaluate(Request("iam:CreateUser", "arn:aws:iam::111122223333:user/new", shirley),
                    Policies([create_user])) is ALLOW
    # "it limits the user's permissions but does not provide permissions on its own"
    assert evaluate(Request("s3:ListBucket", "arn:aws:s3:::b", shirley), Policies([], boundary=boundary)) is IMPLICIT


def test_key_policies_page_iam_policies_need_the_key_policys_permission():
    key = "arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    decrypt = policy({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key})
    default = policy({"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                      "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"})
    someone_else = policy({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"},
                           "Action": "kms:*", "Resource": "*"})
    request = Request("kms:Decrypt", key, USER)
    # "Without permission from the key policy, IAM policies that allow permissions have no effect."
    assert evaluate(request, Policies([decrypt], key=someone_else)) is IMPLICIT
    # "The default key policy enables IAM policies."
    assert evaluate(request, Policies([decrypt], key=default)) is ALLOW
    assert evaluate(request, Policies([], key=default)) is IMPLICIT


def test_wildcards():
    assert glob("t2.*", "t2.micro") and not glob("t2.*", "t3.micro")
    assert glob("secretsmanager.*.amazonaws.com", "secretsmanager.eu-west-1.amazonaws.com")
    assert glob("a?c", "abc") and not glob("a?c", "abbc")
    assert glob("iam:*accesskey*", "iam:CreateAccessKey", ignore_case=True)
    function = "arn:aws:lambda:us-east-1:123456789012:function:rotator"
    assert arn_like(f"{function}:*", f"{function}:live")
    assert not arn_like(f"{function}:*", function)
    assert not arn_like(function, f"{function}-other")
    assert not arn_like(function, f"{function}:live")


def test_what_is_not_evaluated_is_refused_not_guessed():
    request = Request("s3:GetObject", "*", USER, {"aws:SourceIp": "203.0.113.9"})
    with pytest.raises(AssertionError, match="not evaluated"):
        condition_holds({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, request)
    with pytest.raises(AssertionError, match="policy variables"):
        glob("home/${aws:username}/", "home/bob/")
