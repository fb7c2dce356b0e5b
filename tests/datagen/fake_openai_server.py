"""A tiny OpenAI-compatible chat server for the tests: rule-based replies, injectable faults.

    python fake_openai_server.py PORT_FILE LOG_FILE [--fail-every N] [--error-every N] [--malformed-every N]
        [--empty-every N] [--typed-every N] [--hang-every N] [--always-bad-mod N] [--die-after N]
        [--replies SCRIPT.json]

Its "model" looks at the image's mean colour, so captions and answers about colour are true. Every
answered request's body hash is appended to LOG_FILE, so tests can count what the server really did.

Faults, each at most once per distinct request (so that retries end): 429 (``--fail-every``), 500
(``--error-every``), a body that is not a completion (``--malformed-every``), empty content
(``--empty-every``), content that is not text (``--typed-every``), a reply slower than the client's
timeout (``--hang-every``). ``--always-bad-mod N`` gives one request in N (by hash) an empty reply every
time: the persistent bad reply a step must skip. ``--die-after N`` exits on the N+1-th request.

``--replies`` scripts replies: a JSON object whose first key that the request's last message contains
gives the reply, before any rule (``{"Tema: pescas.": "{...}"}``).
"""

import argparse
import ast
import base64
import hashlib
import io
import json
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image, ImageStat


COLOURS = {"vermelho": (200, 30, 30), "verde": (30, 160, 60), "azul": (30, 60, 200), "amarelo": (230, 210, 40)}
CONCEPTS = {
    "vermelho": "comida e bebida",
    "verde": "natureza e paisagens",
    "azul": "transportes",
    "amarelo": "Animais.",
}
ENGLISH = {"vermelho": "red", "verde": "green", "azul": "blue", "amarelo": "yellow"}


def colour_of(message: dict) -> str | None:
    for part in message["content"] if isinstance(message["content"], list) else []:
        if part["type"] == "image_url":
            data = base64.b64decode(part["image_url"]["url"].split(",", 1)[1])
            mean = ImageStat.Stat(Image.open(io.BytesIO(data)).convert("RGB")).mean
            return min(COLOURS, key=lambda name: sum((a - b) ** 2 for a, b in zip(COLOURS[name], mean)))
    return None


def text_of(message: dict) -> str:
    content = message["content"]
    return content if isinstance(content, str) else " ".join(p["text"] for p in content if p["type"] == "text")


def quoted(text: str) -> str:
    """The payload between the last <<< and >>> (the instructions mention the brackets too)."""
    return text.rsplit("<<<", 1)[1].rsplit(">>>", 1)[0]


def code_reply(text: str) -> str | None:
    """datagen.write_calls' prompts: calls of the quoted function and printing programs, as a sloppy coder
        writes them: in prose and fences, with a call that does not parse, one that names something missing,
        one with a random argument, one program that prints something random, one that does not parse and one
    that prints pt-BR."""
    lowered = text.lower()
    if "invocações" not in lowered and "programas curtos" not in lowered:
        return None
    function = next(node for node in ast.walk(ast.parse(quoted(text))) if isinstance(node, ast.FunctionDef))
    name, arity = function.name, len(function.args.args) - len(function.args.defaults)
    if "invocações" in lowered:

        def call(*first):
            return f"{name}({', '.join(list(first) + [str(k + 2) for k in range(arity - len(first))])})"

        calls = [call("1"), call("7"), call("-4"), call(), f"{name}(1, ", call("undefined_helper()")]
        if arity:
            calls += [call("__import__('random').randint(0, 10 ** 9)")]
        return "Claro! Aqui estão as invocações:\n\n```json\n" + json.dumps(calls) + "\n```\nEspero que ajude."
    return (
        f"Dois programas:\n\n```python\ntotal = sum(range(1, 11))\nprint('Soma para {name}:', total)\n```\n\n"
        f"E outro, com a função `{name}`:\n\n```python\nimport random\nprint(random.random())\n```\n\n"
        "```\nprint('nunca acaba'\n```\n\n```python\nprint('Você vai pegar o ônibus às', 7)\n```"
    )


def scripted_reply(script: dict[str, str], messages: list[dict]) -> str | None:
    text = text_of(messages[-1])
    return next((reply for key, reply in script.items() if key in text), None)


def reply_for(messages: list[dict], model: str, seed: int | None) -> str:
    last = messages[-1]
    text, colour = text_of(last), colour_of(last)
    lowered = text.lower()
    if (code := code_reply(text)) is not None:
        return code
    if "describe" in lowered:
        base = f"A {ENGLISH[colour]} square."
        return base if "short" in lowered else base + f" The whole picture is {ENGLISH[colour]}, seen by {model}."
    if "descreve" in lowered:
        base = f"Um quadrado {colour}."
        return base if "curta" in lowered else base + f" A imagem é toda {colour}, vista pelo modelo {model}."
    if "funde" in lowered or "merge" in lowered:
        return f"Uma imagem uniforme, toda {colour}, sem objetos."
    if "traduz" in lowered:
        # A careless translator, as in the paper: it also translates words shown in the image and writes decimal
        # commas, so a test sees whatever verbatim text was handed to it.
        translated = quoted(text).replace("The answer is", "A resposta é").replace("What is", "Qual é")
        return re.sub(r"(\d)\.(\d)", r"\1,\2", translated.replace("Boat", "Barco"))
    if "perguntas" in lowered:
        return json.dumps(
            [
                {"question": "De que cor é a imagem?", "answer": colour.capitalize()},
                {"question": "Quantos objetos há na imagem?", "answer": "Nenhum."},
                {"question": "Você vê alguma pessoa?", "answer": "Não."},
            ],
            ensure_ascii=False,
        )
    if "passo a passo" in lowered:
        if "quantos" in lowered:  # an easy question: the small model gets it right too
            return "Não vejo objetos separados. Resposta: Nenhum."
        return f"Observo a imagem: a cor dominante é {colour}. Resposta: {colour.capitalize()}"
    if "equivalentes" in lowered:
        first, second = re.findall(r"«([^»]*)»", text)[:2]
        same = first.strip(". ").lower() in second.lower()
        return "SIM" if same else "NÃO"
    if "classifica" in lowered:
        return CONCEPTS[colour]
    if "opções erradas" in lowered:
        return json.dumps(["Roxo", "Laranja", "Castanho"], ensure_ascii=False)
    if "melhora" in lowered:  # the editor says what it saw, so a test can tell whether it had the image
        return quoted(text).strip() + (f" A imagem é {colour}." if colour else " Espero ter ajudado.")
    if "avalia" in lowered:
        return f"Nota: {len(quoted(text).split()) % 10 + 1}"
    # Last: other prompts say "responde só" too.
    if "responde só" in lowered:
        return "Nenhum." if "quantos" in lowered else "Não sei."
    return f"Resposta do modelo {model}." + (f" Amostra {seed}." if seed is not None else "")


class Faults:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.die_after = args.die_after
        self.count = 0
        self.in_flight = self.most_in_flight = 0
        self.lock = threading.Lock()
        self.faulted: set[str] = set()  # a request is faulted at most once, so retries always end

    def next(self, digest: str) -> tuple[int, bool]:
        """The request's number and whether it may be faulted."""
        with self.lock:
            self.count += 1
            first_time = digest not in self.faulted
            return self.count, first_time

    def mark(self, digest: str) -> None:
        with self.lock:
            self.faulted.add(digest)


def make_handler(faults: Faults, log_path: str, script: dict[str, str]):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, code: int, body: bytes, headers: dict | None = None):
            self.send_response(code)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            with faults.lock:
                faults.in_flight += 1
                faults.most_in_flight = max(faults.most_in_flight, faults.in_flight)
                with open(log_path + ".most-in-flight", "w") as record:
                    record.write(str(faults.most_in_flight))
            try:
                time.sleep(faults.args.delay)  # a slow model: requests overlap, and the client's cap shows
                self._answer()
            finally:
                with faults.lock:
                    faults.in_flight -= 1

        def _answer(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            digest = hashlib.sha256(body).hexdigest()
            n, may_fault = faults.next(digest)
            if faults.die_after and n > faults.die_after:
                os._exit(3)  # the server dies mid-run, dropping this connection
            fault = faults.args

            def due(every: int) -> bool:
                return bool(may_fault and every and n % every == 0)

            content = _NO_FAULT
            if due(fault.hang_every):
                faults.mark(digest)
                time.sleep(fault.hang_seconds)  # longer than the client waits: it gives up and retries
            if due(fault.fail_every):
                faults.mark(digest)
                return self._send(429, b'{"error": "rate limited"}', {"Retry-After": "0", "retry-after-ms": "5"})
            if due(fault.error_every):
                faults.mark(digest)
                return self._send(500, b'{"error": "internal"}', {"retry-after-ms": "5"})
            if due(fault.malformed_every):
                faults.mark(digest)
                return self._send(200, b'{"choices": [' if n % 2 else b'{"choices": []}')
            if due(fault.empty_every):
                faults.mark(digest)
                content = ""
            elif due(fault.typed_every):
                faults.mark(digest)
                content = [{"text": "not a string"}] if n % 2 else None
            elif fault.always_bad_mod and int(digest, 16) % fault.always_bad_mod == 0:
                content = ""
            request = json.loads(body)
            if content is _NO_FAULT:
                content = scripted_reply(script, request["messages"])
                if content is None:
                    content = reply_for(request["messages"], request["model"], request.get("seed"))
                with faults.lock, open(log_path, "a") as log:  # only usable replies count as answered
                    log.write(digest + "\n")
            self._send(200, json.dumps(_completion(n, request["model"], content)).encode())

    return Handler


_NO_FAULT = object()


def _completion(n: int, model: str, content) -> dict:
    choice = {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
    return {"id": f"fake-{n}", "object": "chat.completion", "model": model, "choices": [choice]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port_file")
    parser.add_argument("log_file")
    for flag in ("fail", "error", "malformed", "empty", "typed", "hang"):
        parser.add_argument(f"--{flag}-every", type=int, default=0)
    parser.add_argument("--hang-seconds", type=float, default=3.0)
    parser.add_argument("--always-bad-mod", type=int, default=0)
    parser.add_argument("--die-after", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before every answer")
    parser.add_argument("--replies", help="a JSON object: text the last message contains -> the reply")
    args = parser.parse_args()
    script = json.loads(open(args.replies, encoding="utf-8").read()) if args.replies else {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(Faults(args), args.log_file, script))
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as handle:
        handle.write(str(server.server_address[1]))
    os.replace(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
