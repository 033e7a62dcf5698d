"""template.yaml as published and as chosen: the Serverless Application
Repository metadata complete and true to the checkout (the limits are those
of the repository's CreateApplication API, which `sam publish` calls), the
CDK and Terraform examples of docs/deploy.md held to the template's
parameters and outputs, the runtime parameter stating provided.al2's dates
as cfn-lint's runtime table has them, the endpoint https:// only, and
cfn-lint configured for the three partitions.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.template import Rendered, load_template

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY_DOC = REPO_ROOT / "docs" / "deploy.md"


@pytest.fixture(scope="module")
def template() -> dict:
    return load_template()


@pytest.fixture(scope="module")
def application(template) -> dict:
    return template["Metadata"]["AWS::ServerlessRepo::Application"]


def test_the_application_metadata_is_complete(application):
    for required in ("Name", "Description", "Author", "ReadmeUrl", "Labels", "SemanticVersion"):
        assert application.get(required), f"{required} missing"
    assert re.fullmatch(r"[a-zA-Z0-9\-]{1,140}", application["Name"])
    assert 1 <= len(application["Description"]) <= 256
    assert re.fullmatch(r"[a-z0-9](([a-z0-9]|-(?!-))*[a-z0-9])?", application["Author"]), \
        "SAR takes lower-case letters, digits and single hyphens for Author"
    assert re.fullmatch(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)", application["SemanticVersion"])
    labels = application["Labels"]
    assert len(labels) <= 10 and all(re.fullmatch(r"[a-zA-Z0-9+\-_:/@]{1,127}", label) for label in labels)


def test_the_metadata_names_files_that_exist_and_pairs_the_licence(application):
    for key in ("ReadmeUrl", "LicenseUrl"):
        if key in application:
            assert (REPO_ROOT / application[key]).is_file(), f"{key} {application[key]} is no file of the checkout"
    # A licence is an SPDX id and its text together, or neither.
    assert ("SpdxLicenseId" in application) == ("LicenseUrl" in application)
    for key in ("HomePageUrl", "SourceCodeUrl"):
        if key in application:
            assert application[key].startswith("https://"), key


def snippet(language: str) -> str:
    text = DEPLOY_DOC.read_text()
    section = text.split("## Deploy the published application", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(rf"```{language}\n(.*?)```", section, re.S)
    return block


@pytest.mark.parametrize("language, parameter_block, version, output", [
    pytest.param("ts", r"parameters: \{(.*?)\}", r"semanticVersion: '([^']+)'",
                 r"Outputs\.([A-Za-z]+)", id="cdk"),
    pytest.param("hcl", r"parameters = \{(.*?)\}", r'semantic_version = "([^"]+)"',
                 r'outputs\["([A-Za-z]+)"\]', id="terraform"),
])
def test_the_cdk_and_terraform_examples_fit_the_template(template, application, language, parameter_block,
                                                          version, output):
    code = snippet(language)
    (block,) = re.findall(parameter_block, code, re.S)
    given = dict(re.findall(r"(\w+)\s*[:=]\s*['\"]([^'\"]*)['\"]", block))
    assert given, code
    assert Rendered(template, given).refusals() == [], "the example's parameters are refused"
    assert re.search(version, code).group(1) == application["SemanticVersion"]
    assert re.search(output, code).group(1) in template["Outputs"]
    assert f"applications/{application['Name']}" in code


def test_provided_al2_is_kept_with_its_three_dates(template):
    # Deprecation, create block, update block: Lambda's runtime table and cfn-lint 1.58's.
    runtime = template["Parameters"]["Runtime"]
    assert runtime["Default"] == "provided.al2023" and "provided.al2" in runtime["AllowedValues"]
    description = " ".join(runtime["Description"].split())
    for date in ("2026-07-31", "2027-02-01", "2027-03-03"):
        assert date in description
        assert date in DEPLOY_DOC.read_text()


@pytest.mark.parametrize("endpoint, accepted", [
    ("", True),
    ("https://vpce-0a1b-secretsmanager.eu-west-1.vpce.amazonaws.com", True),
    ("https://secretsmanager.cn-north-1.amazonaws.com.cn", True),
    ("http://secretsmanager.eu-west-1.amazonaws.com", False),
    ("secretsmanager.eu-west-1.amazonaws.com", False),
    ("https://", False),
    ('https://a" ,"x', False),
])
def test_the_endpoint_is_https_only(template, endpoint, accepted):
    refusals = Rendered(template, {"SecretsManagerEndpoint": endpoint}).refusals()
    assert (refusals == []) == accepted, refusals


def test_cfn_lint_checks_the_three_partitions(template):
    # scripts/test.sh runs cfn-lint on template.yaml; this is what makes it lint every partition.
    config = template["Metadata"]["cfn-lint"]["config"]
    assert sorted(config["regions"]) == ["cn-north-1", "us-east-1", "us-gov-west-1"]
    function = template["Resources"]["RotationFunction"]
    assert "cfn-lint" not in function.get("Metadata", {}), "a check ignored on the function"
