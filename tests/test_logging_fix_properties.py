"""Property: on any combination of logging mistakes, `--fix --unsafe-fixes` yields code that compiles,
is a fixed point (fixing again changes nothing), and leaves no fixable logging finding."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from py_standards_lint.engine.fixes import fix_source

from .helpers import make_settings

PATH = "app/services/users.py"
HEADER = "import logging\n\nlogger = logging.getLogger({name})\n\n\ndef handler(user, uid, items, request, name, job):\n"

messages = st.sampled_from(
    [
        '"user.created"',
        '"User created"',
        'f"User {user.id} created"',
        'f"{uid}"',
        "f'{len(items)} items for {request.client.host}'",
        'f"Name {name} {name!r:>4}"',
        'f"a {uid}" " b"',
        '"x %s" % uid',
    ]
)
keywords = st.lists(
    st.sampled_from(["user_id=uid", "job=job", "exc_info=True", "stacklevel=2", 'extra={"a": 1}', "extra={}", "name=name"]),
    unique=True,
    max_size=4,
).filter(lambda ks: sum(k.startswith("extra=") for k in ks) <= 1)
methods = st.sampled_from(["info", "error", "warning", "exception", "debug"])
wrappers = st.sampled_from(["{call}", "try:\n        pass\n    except OSError:\n        {call}", "if uid:\n        {call}"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(["__name__", '"users"']),
    calls=st.lists(st.tuples(methods, messages, keywords, wrappers), min_size=1, max_size=3),
    multiline=st.booleans(),
)
def test_fixes_compile_and_reach_a_fixed_point(name, calls, multiline):
    body = []
    for method, message, kws, wrapper in calls:
        args = [message, *kws]
        if multiline:
            call = f"logger.{method}(\n            " + ",\n            ".join(args) + ",\n        )"
        else:
            call = f"logger.{method}(" + ", ".join(args) + ")"
        body.append("    " + wrapper.format(call=call))
    code = HEADER.format(name=name) + "\n".join(body) + "\n"
    compile(code, "before.py", "exec")
    config = make_settings()
    first = fix_source(code.encode(), PATH, config, PATH, unsafe=True)
    assert not first.warnings, (code, first.warnings)
    compile(first.source, "after.py", "exec")
    second = fix_source(first.source, PATH, config, PATH, unsafe=True)
    assert second.source == first.source and second.fixed == 0, (code, first.source.decode())
    fixable = [f.code for f in second.result.findings if f.code.startswith("PSL3") and f.fix is not None]
    assert not fixable, (first.source.decode(), fixable)
