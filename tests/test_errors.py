from flagstone import errors as E


def test_envelope_shape_and_statuses():
    err = E.ModelNotFoundError("The model 'x' does not exist", param="model")
    assert err.status == 404
    assert err.to_envelope() == {"error": {"message": "The model 'x' does not exist",
                                           "type": "invalid_request_error", "param": "model",
                                           "code": "model_not_found"}}
    assert E.PayloadTooLargeError("too big").status == 413
    assert E.RateLimitError("slow down", retry_after=2.5).retry_after == 2.5


def test_policy_and_data_errors_name_location():
    assert E.PolicyError("bad", file="p.yaml", line=7).message == "p.yaml:7: bad"
    assert E.DataError("bad row", file="d.jsonl", row=3).message == "d.jsonl, row 3: bad row"
    assert issubclass(E.PolicyError, E.ConfigError) and issubclass(E.ConfigError, E.FlagstoneError)


def test_the_drawn_error_trees_list_every_class():
    """errors.py's docstring and ARCHITECTURE.md draw the whole hierarchy, each class under its parent."""
    import inspect
    import re
    from pathlib import Path

    import flagstone.errors as errors_mod

    classes = {n: c for n, c in vars(errors_mod).items()
               if inspect.isclass(c) and issubclass(c, errors_mod.FlagstoneError)}
    arch = (Path(__file__).resolve().parents[1] / "ARCHITECTURE.md").read_text()
    drawn_arch = arch.split("## Errors", 1)[1].split("```")[1]
    for drawing in (errors_mod.__doc__, drawn_arch):
        rows = [(len(m.group(1)), m.group(2)) for m in re.finditer(r"^([ │├└─]*)(\w+Error)\b", drawing, re.M)]
        assert {name for _, name in rows} == set(classes)
        for i, (indent, name) in enumerate(rows[1:], 1):  # the nearest shallower row above is the parent
            parent = next(n for d, n in reversed(rows[:i]) if d < indent)
            assert classes[name].__bases__[0] is classes[parent], (name, parent)
