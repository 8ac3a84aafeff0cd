"""The loyalty app's domain errors (the contract's codes)."""

from __future__ import annotations

from omni.exceptions import Conflict, InvalidInput, NotFound


class LoyaltyInvalid(InvalidInput):
    """400 validation_error naming the field."""

    default_detail = "The loyalty request has invalid fields."

    @classmethod
    def on(cls, field: str, message: str) -> LoyaltyInvalid:
        return cls(message, errors={field: [message]})


class InvalidRedemption(LoyaltyInvalid):
    """Points cannot be redeemed on this order (a guest, no member, not enough points): names
    `redeem_points`."""

    default_detail = "These points cannot be redeemed on this order."

    @classmethod
    def because(cls, message: str) -> InvalidRedemption:
        return cls(message, errors={"redeem_points": [message]})


class MemberExists(Conflict):
    code = "member_exists"
    title = "Already a member"
    default_detail = "This email is already enrolled in the loyalty programme."


class MemberNotFound(NotFound):
    default_detail = "No such loyalty member."
