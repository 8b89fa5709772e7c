// A TLS backend that is not sluice's, for the export stage's tests: Node's
// own https server taking OTLP/HTTP protobuf.
//   node https_backend.js --cert FILE --key FILE --port-file FILE --bodies FILE
// POST /v1/traces|logs|metrics: the body (gunzipped when Content-Encoding
// is gzip) is appended to --bodies as a 4-byte big-endian length and the
// bytes, and the answer is 200 with an empty Export*ServiceResponse. The
// port goes to --port-file as "http=PORT grpc=0" once listening. SIGTERM
// ends it.
'use strict';
const fs = require('fs');
const https = require('https');
const zlib = require('zlib');

const args = {};
for (let i = 2; i + 1 < process.argv.length; i += 2)
  args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const bodies = fs.openSync(args.bodies, 'a');

const server = https.createServer({ cert: fs.readFileSync(args.cert), key: fs.readFileSync(args.key) },
  (req, res) => {
    const parts = [];
    req.on('data', (d) => parts.push(d));
    req.on('end', () => {
      if (req.method !== 'POST' || !/^\/v1\/(traces|logs|metrics)$/.test(req.url)) {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('not an OTLP path\n');
        return;
      }
      let body = Buffer.concat(parts);
      if ((req.headers['content-encoding'] || '') === 'gzip')
        body = zlib.gunzipSync(body);
      const len = Buffer.alloc(4);
      len.writeUInt32BE(body.length);
      fs.writeSync(bodies, Buffer.concat([len, body]));
      res.writeHead(200, { 'Content-Type': 'application/x-protobuf' });
      res.end();
    });
  });
server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(args['port-file'], `http=${server.address().port} grpc=0\n`);
});
process.on('SIGTERM', () => process.exit(0));
