const crypto = require('node:crypto');

// verifyAtomyx returns when a Submit callback is genuine and throws an Error
// saying why when it is not. rawBody is the request body as a Buffer, exactly
// as received (with Express: express.raw({ type: 'application/json' })).
// secrets lists the signing secrets you accept ("whsec_…", prefix included);
// keep the old one next to the new one while a rotation is under way.
function verifyAtomyx(secrets, signatureHeader, timestamp, rawBody, toleranceSeconds = 300) {
  if (!signatureHeader) throw new Error('missing X-Atomyx-Signature header');
  if (!timestamp) throw new Error('missing X-Atomyx-Timestamp header');
  const signedAt = Date.parse(timestamp);
  if (Number.isNaN(signedAt)) throw new Error('malformed X-Atomyx-Timestamp header');
  const received = signatureHeader.split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.startsWith('sha256='))
    .map((entry) => Buffer.from(entry.slice('sha256='.length), 'hex'));
  const matches = secrets.some((secret) => {
    const expected = crypto.createHmac('sha256', secret)
      .update(timestamp + '.')
      .update(rawBody)
      .digest();
    return received.some((sig) => sig.length === expected.length && crypto.timingSafeEqual(sig, expected));
  });
  if (!matches) throw new Error('no signature matches');
  const age = (Date.now() - signedAt) / 1000;
  if (age > toleranceSeconds) throw new Error('timestamp too old');
  if (-age > toleranceSeconds) throw new Error('timestamp in the future');
}
