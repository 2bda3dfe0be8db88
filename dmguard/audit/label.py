"""The labeller: every automated DM says it is automated and how to stop it.

It adds the disclosure as the first line (people should know at the first
interaction) and the opt-out as the last, never twice, and refuses rather than
cut a message past the platform's length limit.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_DISCLOSURE = "[Automated message from @{account}]"
"""The disclosure line when ``label.disclosure`` is not set."""
DEFAULT_OPT_OUT = "Reply STOP to stop automated messages."
"""The opt-out line when ``label.opt_out`` is not set."""


NO_ACCOUNT = "this account"
"""What the disclosure names when no account is known."""


class LabelError(Exception):
    """The labelled message would not fit the platform's limit."""


@dataclass(frozen=True)
class Labeller:
    disclosure: str
    opt_out: str
    max_length: int = 10_000

    def disclosure_for(self, account: str | None) -> str:
        """The disclosure naming ``account``; without one (``dmguard audit`` with no
        ``--account``), "this account", never a handle "@this account"."""
        name = (account or "").lstrip("@")
        if not name:
            return self.disclosure.replace("@{account}", NO_ACCOUNT).replace("{account}",
                                                                             NO_ACCOUNT)
        return self.disclosure.replace("{account}", name)

    def is_labelled(self, text: str, account: str | None = None) -> bool:
        return self.disclosure_for(account) in text and self.opt_out in text

    def apply(self, text: str, account: str | None = None) -> str:
        disclosure = self.disclosure_for(account)
        body = text.strip()
        if disclosure not in body:
            body = f"{disclosure}\n{body}"
        if self.opt_out not in body:
            body = f"{body}\n\n{self.opt_out}"
        if len(body) > self.max_length:
            over = len(body) - self.max_length
            raise LabelError(
                f"with the disclosure and opt-out line the message is {len(body)} characters, "
                f"{over} over the platform's limit of {self.max_length}; shorten it by {over}"
            )
        return body
