#!/usr/bin/env python3
"""Least privilege and failure handling in the SAM template.

Usage: check_infra.py [TEMPLATE]     (default infra/template.yaml)
       check_infra.py --self-test    (the checks catch what they should)

Fails (exit 1, one line per finding) on:
- an IAM statement (a function's `Policies`, a role's `Policies`, a queue
  or topic policy) whose Resource is "*" unless every action in it is one
  that has no resource to name (WILDCARD_ONLY, each with why);
- a function invoked asynchronously (S3, SNS, EventBridge or Scheduler
  events, or no event source in the template at all, as the daily function
  that schedules created at run time invoke) without a `DeadLetterQueue` or
  an `EventInvokeConfig` on-failure destination;
- a function fed by an SQS queue whose queue has no `RedrivePolicy` (the
  queue's dead-letter queue is where its failures go).
Functions behind API Gateway only are invoked synchronously: the caller
sees the error, so they need neither (they are listed as such).
"""
import copy
import sys

import yaml

# Actions that cannot name a resource: "*" is the only way to grant them.
WILDCARD_ONLY = {
    "sns:Publish": "an SMS to a phone number has no resource ARN",
}

ASYNC_EVENTS = {"S3", "SNS", "EventBridgeRule", "CloudWatchEvent", "Schedule", "ScheduleV2"}
SYNC_EVENTS = {"Api", "HttpApi"}


class Loader(yaml.SafeLoader):
    """Reads CloudFormation's short tags (!Ref, !Sub, !If, …) as {tag: value}."""


def _tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {suffix: value}


Loader.add_multi_constructor("!", _tag)


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=Loader)


def as_list(x):
    return x if isinstance(x, list) else [x]


def statements(doc):
    """Every statement of a policy document, both branches of an !If."""
    for s in as_list((doc or {}).get("Statement", [])):
        yield from branches(s)


def branches(s):
    if isinstance(s, dict) and "If" in s and len(s) == 1:
        for b in s["If"][1:]:
            yield from branches(b)
    elif isinstance(s, dict) and s != {"Ref": "AWS::NoValue"}:
        yield s


def policy_documents(name, res):
    """(where, policy document) of every IAM policy a resource carries."""
    kind = res.get("Type", "")
    props = res.get("Properties", {}) or {}
    if kind == "AWS::Serverless::Function":
        for i, p in enumerate(as_list(props.get("Policies", []))):
            if isinstance(p, dict) and "Statement" in p:
                yield f"{name}.Policies[{i}]", p
    elif kind == "AWS::IAM::Role":
        for p in props.get("Policies", []):
            yield f"{name}.Policies[{p.get('PolicyName')}]", p.get("PolicyDocument")
    elif kind in ("AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy", "AWS::S3::BucketPolicy"):
        yield f"{name}.PolicyDocument", props.get("PolicyDocument")


def wildcard_findings(template):
    out = []
    for name, res in (template.get("Resources") or {}).items():
        for where, doc in policy_documents(name, res):
            for k, s in enumerate(statements(doc)):
                if s.get("Effect") != "Allow" or "*" not in as_list(s.get("Resource", [])):
                    continue
                actions = as_list(s.get("Action", []))
                bad = [a for a in actions if a not in WILDCARD_ONLY]
                if bad:
                    out.append(
                        f'{where} statement {k}: Resource "*" for {", ".join(bad)}, '
                        "which can name the resources it acts on"
                    )
    return out


def queue_of(event_props):
    q = event_props.get("Queue")
    if isinstance(q, dict) and "GetAtt" in q:
        target = q["GetAtt"]
        target = target.split(".")[0] if isinstance(target, str) else target[0]
        return target
    return None


def failure_findings(template):
    out, sync_only = [], []
    resources = template.get("Resources") or {}
    for name, res in resources.items():
        if res.get("Type") != "AWS::Serverless::Function":
            continue
        props = res.get("Properties", {}) or {}
        events = (props.get("Events") or {}).values()
        kinds = {e.get("Type") for e in events}
        for e in events:
            if e.get("Type") == "SQS":
                q = queue_of(e.get("Properties", {}))
                queue = resources.get(q, {}).get("Properties", {}) if q else {}
                if not queue.get("RedrivePolicy"):
                    out.append(f"{name}: its SQS queue {q} has no RedrivePolicy (dead-letter queue)")
        if kinds and kinds <= SYNC_EVENTS:
            sync_only.append(name)
            continue
        if kinds and kinds <= SYNC_EVENTS | {"SQS"}:
            continue
        on_failure = (
            ((props.get("EventInvokeConfig") or {}).get("DestinationConfig") or {}).get("OnFailure")
        )
        if not props.get("DeadLetterQueue") and not on_failure:
            how = ", ".join(sorted(kinds & ASYNC_EVENTS)) or "no event source in the template (invoked from outside)"
            out.append(
                f"{name}: invoked asynchronously ({how}) without a DeadLetterQueue "
                "or an EventInvokeConfig on-failure destination"
            )
    return out, sync_only


def check(template):
    failures, sync_only = failure_findings(template)
    return wildcard_findings(template) + failures, sync_only


def self_test(path):
    """Each check catches a deliberately broken copy of the template."""
    base = load(path)
    found, _ = check(base)
    assert not found, found
    res = base["Resources"]

    star = copy.deepcopy(base)
    star["Resources"]["DailyFunction"]["Properties"]["Policies"][0]["Statement"][0]["Resource"] = "*"
    found, _ = check(star)
    assert any("DailyFunction.Policies[0] statement 0" in f and "dynamodb:GetItem" in f for f in found), found

    no_dest = copy.deepcopy(base)
    del no_dest["Resources"]["IngestFunction"]["Properties"]["EventInvokeConfig"]
    found, _ = check(no_dest)
    assert any(f.startswith("IngestFunction: invoked asynchronously (S3)") for f in found), found

    no_redrive = copy.deepcopy(base)
    del no_redrive["Resources"]["DispatchQueue"]["Properties"]["RedrivePolicy"]
    found, _ = check(no_redrive)
    assert any("DispatchQueue has no RedrivePolicy" in f for f in found), found

    sms_only = [
        s for s in statements(res["DispatchFunction"]["Properties"]["Policies"][0])
        if "*" in as_list(s.get("Resource", []))
    ]
    assert sms_only and all(s["Action"] == "sns:Publish" for s in sms_only), sms_only
    print("check_infra self-test: 4 checks, each catches its broken template")


def main(argv):
    if argv[1:2] == ["--self-test"]:
        self_test("infra/template.yaml")
        return 0
    path = argv[1] if len(argv) > 1 else "infra/template.yaml"
    found, sync_only = check(load(path))
    for f in found:
        print(f"{path}: {f}", file=sys.stderr)
    if found:
        return 1
    print(
        f"{path}: no IAM wildcard beyond {', '.join(sorted(WILDCARD_ONLY))}; every asynchronously "
        f"invoked function has a failure destination; synchronous only: {', '.join(sync_only)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
