"""One error hierarchy for the whole library.

    FlagstoneError                      base; never raised directly
    ├── InvalidRequestError             the caller sent something we cannot use (HTTP 400)
    │   ├── InputTooLargeError          an input exceeds a configured limit (400)
    │   │   └── PayloadTooLargeError    the body exceeds the size limit (413)
    │   ├── UnsupportedInputError       valid OpenAI input we do not handle (e.g. images without a model) (400)
    │   ├── InvalidImageError           an image that cannot be decoded safely (bomb, truncated, format) (400)
    │   ├── ImageURLRefusedError        a remote image URL we will not fetch (off, host, address, size) (400)
    │   └── UnsupportedMediaTypeError   the body is not JSON (wrong Content-Type) (415)
    ├── AuthenticationError             missing or bad API key (401)
    ├── PermissionDeniedError           key lacks the scope (403)
    ├── NotFoundError                   unknown dataset, policy version, strategy… (404)
    │   └── ModelNotFoundError          unknown model (404)
    ├── ConflictError                   state forbids the action (409)
    ├── RateLimitError                  too many requests (429)
    ├── ConfigError                     a settings/policy/recipe file is missing or malformed (file:line)
    │   └── PolicyError                 a policy file is malformed (carries file and line)
    ├── DataError                       a data file or row is malformed (carries file and row)
    ├── ModelError                      a model artifact is missing, corrupt or fails to run
    └── ServiceUnavailableError         not ready yet (503)

Domain code raises these; only the HTTP edge (``flagstone.serving.errors``) maps them to
OpenAI's error envelope ``{"error": {"message", "type", "param", "code"}}``, and only the
CLI turns them into an exit code and a printed message.
"""

from __future__ import annotations


class FlagstoneError(Exception):
    """Base class. ``status`` and ``type`` drive the HTTP mapping."""

    status: int = 500
    type: str = "server_error"
    default_code: str | None = None

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code if code is not None else self.default_code

    def to_envelope(self) -> dict:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


class InvalidRequestError(FlagstoneError):
    status = 400
    type = "invalid_request_error"


class InputTooLargeError(InvalidRequestError):
    default_code = "input_too_large"


class PayloadTooLargeError(InputTooLargeError):
    status = 413
    default_code = "payload_too_large"


class UnsupportedInputError(InvalidRequestError):
    default_code = "unsupported_input"


class InvalidImageError(InvalidRequestError):
    """An image part that cannot be decoded safely: bad data URL, format, truncated file, too many pixels."""

    default_code = "invalid_image"


class ImageURLRefusedError(InvalidRequestError):
    """A remote image URL we refuse to fetch: remote off, host not allowed, private address, size, type."""

    default_code = "image_url_refused"


class UnsupportedMediaTypeError(InvalidRequestError):
    """The request body is not JSON (wrong Content-Type) (415)."""

    status = 415
    default_code = "unsupported_media_type"


class AuthenticationError(FlagstoneError):
    status = 401
    type = "invalid_request_error"
    default_code = "invalid_api_key"


class PermissionDeniedError(FlagstoneError):
    status = 403
    type = "invalid_request_error"
    default_code = "insufficient_permissions"


class NotFoundError(FlagstoneError):
    status = 404
    type = "invalid_request_error"
    default_code = "not_found"


class ModelNotFoundError(NotFoundError):
    default_code = "model_not_found"


class ConflictError(FlagstoneError):
    status = 409
    type = "invalid_request_error"
    default_code = "conflict"


class RateLimitError(FlagstoneError):
    status = 429
    type = "rate_limit_exceeded"
    default_code = "rate_limit_exceeded"

    def __init__(self, message: str, *, retry_after: float = 1.0, **kw) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ConfigError(FlagstoneError):
    """Bad configuration; with ``file`` (and ``line``) the message reads ``file:line: reason``."""

    status = 500
    type = "server_error"
    default_code = "config_error"

    def __init__(self, reason: str, *, file: str | None = None, line: int | None = None, **kw) -> None:
        where = (file or "") + (f":{line}" if file is not None and line is not None else "")
        super().__init__(f"{where}: {reason}" if where else reason, **kw)
        self.file, self.line, self.reason = file, line, reason


class PolicyError(ConfigError):
    """A malformed policy file: message names the file, line and reason."""

    default_code = "invalid_policy"

    def __init__(self, reason: str, *, file: str | None = None, line: int | None = None) -> None:
        super().__init__(reason, file=file or "<policy>", line=line)
        self.file = file


class DataError(FlagstoneError):
    """A malformed data file or row: message names the file and row."""

    status = 400
    type = "invalid_request_error"
    default_code = "invalid_data"

    def __init__(self, reason: str, *, file: str | None = None, row: int | None = None) -> None:
        where = f"{file or '<data>'}" + (f", row {row}" if row is not None else "")
        super().__init__(f"{where}: {reason}")
        self.file, self.row, self.reason = file, row, reason


class ModelError(FlagstoneError):
    default_code = "model_error"


class ServiceUnavailableError(FlagstoneError):
    status = 503
    type = "server_error"
    default_code = "not_ready"
