"""The offline app's domain errors (problem+json codes)."""

from __future__ import annotations

from omni.exceptions import DomainError, InvalidInput


class IdempotencyKeyReused(DomainError):
    """An action key synced before with another body: the tablet made two actions with one key (a bug), or
    the body changed in its queue. Refused; the first action stands."""

    code = "idempotency_key_reused"
    status = 422
    title = "Idempotency key reused"
    default_detail = "This action's key was already synced with a different body; the first one stands."


class ActionRefused(InvalidInput):
    """Why an offline action cannot be applied (it is recorded as rejected), with a reason code and its
    parameters, which the managers' page renders in the reader's language (offline.selectors.devices)."""

    def __init__(self, detail: str, *, reason: str, params: dict[str, str], field: str):
        self.reason = reason
        self.params = params
        super().__init__(detail, errors={field: [detail]})
