import hashlib
import hmac
import time
from datetime import datetime


def verify_atomyx(secrets, signature_header, timestamp, raw_body, tolerance=300):
    """Return when a Submit callback is genuine; raise ValueError saying why
    when it is not. raw_body is the request body as bytes, exactly as
    received (Flask: request.get_data()). secrets lists the signing secrets
    you accept ("whsec_...", prefix included); keep the old one next to the
    new one while a rotation is under way."""
    if not signature_header:
        raise ValueError("missing X-Atomyx-Signature header")
    if not timestamp:
        raise ValueError("missing X-Atomyx-Timestamp header")
    try:
        signed_at = datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise ValueError("malformed X-Atomyx-Timestamp header") from None
    received = [
        entry.strip()[len("sha256="):].encode()
        for entry in signature_header.split(",")
        if entry.strip().startswith("sha256=")
    ]
    message = timestamp.encode() + b"." + raw_body
    expected = [
        hmac.new(secret.encode(), message, hashlib.sha256).hexdigest().encode()
        for secret in secrets
    ]
    if not any(hmac.compare_digest(r, e) for r in received for e in expected):
        raise ValueError("no signature matches")
    age = time.time() - signed_at
    if age > tolerance:
        raise ValueError("timestamp too old")
    if -age > tolerance:
        raise ValueError("timestamp in the future")
