#!/usr/bin/env python3
"""A stand-in for Slack, PagerDuty and webhook receivers in tests: records every request and answers like them.

    fake_receiver.py LOG.jsonl

Listens on a free loopback port and prints it on the first line of stdout; exits when its stdin closes (the
test that started it ended, however it ended). Every POST is appended to LOG as one
JSON line: {"path", "headers", "body"} (body as text). /fail* answers 500 (a target that keeps failing); the
others answer 202 with a small JSON body, as PagerDuty's Events API does (Slack answers 200 "ok"; the status
class is what Goalpost looks at).
"""
import http.server
import json
import os
import sys
import threading

LOG = sys.argv[1]
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        with lock, open(LOG, "a") as log:
            log.write(json.dumps({"path": self.path, "headers": dict(self.headers), "body": body}) + "\n")
        status = 500 if self.path.startswith("/fail") else (200 if self.path.startswith("/slack") else 202)
        answer = b"ok" if status == 200 else json.dumps({"status": "success" if status == 202 else "error"}).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def exit_with_parent():
    sys.stdin.read()
    os._exit(0)


threading.Thread(target=exit_with_parent, daemon=True).start()
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
