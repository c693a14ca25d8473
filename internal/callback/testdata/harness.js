
// Test harness, appended to docs/snippets/verify.js by docs_test.go: runs
// verifyAtomyx on each case read from standard input, one line of output each.
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  for (const c of JSON.parse(input)) {
    try {
      verifyAtomyx(c.secrets, c.signature, c.timestamp, Buffer.from(c.body, 'base64'), c.tolerance);
      console.log('ok');
    } catch (err) {
      console.log('error: ' + err.message);
    }
  }
});
