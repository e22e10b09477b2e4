#!/usr/bin/env python3
"""A stand-in for an OpenAI-compatible chat completions endpoint in tests: checks the request's shape and answers
with a canned outcome definition.

    fake_llm.py LOG.jsonl ANSWER.yaml

Listens on a free loopback port and prints it on the first line of stdout; exits when its stdin closes. Every
request is appended to LOG as {"path", "headers", "body", "problems"}. A request whose shape is wrong (not POST
/v1/chat/completions, no Bearer key, no JSON body with a model and a system then a user message) gets 400 with
the problems listed; a good one gets a chat completion whose content is ANSWER.yaml in a ```yaml fence.
"""
import http.server
import json
import os
import sys
import threading

LOG, ANSWER = sys.argv[1], sys.argv[2]
lock = threading.Lock()


def problems_of(path, headers, body):
    problems = []
    if path != "/v1/chat/completions":
        problems.append(f"path {path} is not /v1/chat/completions")
    if not (headers.get("Authorization") or "").startswith("Bearer "):
        problems.append("no Authorization: Bearer key")
    if not (headers.get("Content-Type") or "").startswith("application/json"):
        problems.append("Content-Type is not application/json")
    try:
        request = json.loads(body)
    except ValueError:
        return problems + ["the body is not JSON"]
    if not isinstance(request.get("model"), str) or not request["model"]:
        problems.append("no model")
    messages = request.get("messages")
    if not isinstance(messages, list) or [m.get("role") for m in messages] != ["system", "user"]:
        problems.append("messages are not [system, user]")
    elif not all(isinstance(m.get("content"), str) and m["content"] for m in messages):
        problems.append("a message has no content")
    return problems


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        problems = problems_of(self.path, self.headers, body)
        with lock, open(LOG, "a") as log:
            log.write(json.dumps({"path": self.path, "headers": dict(self.headers), "body": body, "problems": problems}) + "\n")
        if problems:
            answer = json.dumps({"error": {"message": "; ".join(problems)}}).encode()
            self.send_response(400)
        else:
            with open(ANSWER) as file:
                content = "```yaml\n" + file.read().rstrip("\n") + "\n```\n"
            answer = json.dumps({"id": "chatcmpl-test", "object": "chat.completion", "model": json.loads(body)["model"],
                                 "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]}).encode()
            self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
os._exit(0)
