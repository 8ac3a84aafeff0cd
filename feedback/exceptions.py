"""The feedback app's domain errors (the contract's codes: omni.exceptions). The API turns them into problem
documents; the survey page shows its own kind sentence for each."""

from __future__ import annotations

from omni.exceptions import DomainError, Forbidden, InvalidInput, InvalidTransition, NotFound


class InvalidFeedback(InvalidInput):
    """400 validation_error naming the fields: a score out of its range, no score at all, a long comment."""

    default_detail = "The feedback has invalid fields."

    @classmethod
    def on(cls, field: str, message: str) -> InvalidFeedback:
        return cls(message, errors={field: [message]})


class InvitationUsed(DomainError):
    """The survey of this invitation was answered already: a link is good once."""

    code = "invitation_used"
    status = 409
    title = "Already answered"
    default_detail = "Thank you: this survey has already been answered, so there is nothing more to do."


class InvitationExpired(DomainError):
    """The invitation's link is past its `expires_at`."""

    code = "invitation_expired"
    status = 410
    title = "Invitation expired"
    default_detail = "This survey link has expired. Thank you all the same."


class BadLink(NotFound):
    """A survey link that was altered, or names no invitation (feedback.links): the page answers 404."""

    default_detail = "This survey link is not valid."


# feedback-reports: the follow-up queue (feedback.services.follow_ups)
class FollowUpNotFound(NotFound):
    """No follow-up with this id that the user may see (another store's is not found, never forbidden)."""

    default_detail = "No such follow-up."


class FollowUpForbidden(Forbidden):
    """Only managers (their stores' queues) and HQ follow up with customers."""

    default_detail = "Only store managers and HQ follow up with customers."


class FollowUpClosed(InvalidTransition):
    """The outcome of this follow-up was recorded already: it is recorded once."""

    default_detail = "This follow-up was closed already."


class FollowUpInvalid(InvalidInput):
    default_detail = "The follow-up has invalid fields."
