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
