"""Text messages: the console, file and memory backends, and the provider's HTTP API against a
stub server on the loopback interface."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured

from inclusion.core import sms
from inclusion.core.sms.backends.http import SmsBackend as HttpSmsBackend


@pytest.fixture
def smsoutbox():
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


class StubProvider(BaseHTTPRequestHandler):
    """Answers every POST with the status, body and delay the test set on the server."""

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        self.server.requests.append({"headers": dict(self.headers), "json": json.loads(self.rfile.read(length))})
        time.sleep(self.server.delay)
        try:
            body = json.dumps(self.server.answer).encode()
            self.send_response(self.server.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting: that is what the timeout test wants

    def log_message(self, *args):
        pass


@pytest.fixture
def provider(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), StubProvider)
    server.daemon_threads = True
    server.requests, server.status, server.answer, server.delay = [], 200, {"id": "msg-42"}, 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "inclusion.core.sms.backends.http.SmsBackend"
    settings.SMS_API_URL = f"http://127.0.0.1:{server.server_port}/v1/sms"
    settings.SMS_API_KEY = "test-key"
    settings.SMS_SENDER = "Permanence"
    settings.SMS_API_TIMEOUT = 2
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_the_provider_gets_a_json_post_with_bearer_token_and_e164_recipient(provider):
    reference = sms.send_sms(to="+33612345678", body="Rappel : rendez-vous demain à 9 h.")
    assert reference == "msg-42"
    [request] = provider.requests
    assert request["headers"]["Authorization"] == "Bearer test-key"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["json"] == {
        "recipients": ["+33612345678"],
        "message": "Rappel : rendez-vous demain à 9 h.",
        "sender": "Permanence",
    }


@pytest.mark.parametrize("status", [400, 401, 402, 404, 422])
def test_a_client_error_is_a_permanent_failure(provider, status):
    provider.status, provider.answer = status, {"error": "invalid recipient"}
    with pytest.raises(sms.SmsPermanentError, match=f"HTTP {status}.*invalid recipient"):
        sms.send_sms(to="+33612345678", body="Rappel")


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_a_server_error_or_throttling_is_worth_another_try(provider, status):
    provider.status = status
    with pytest.raises(sms.SmsTemporaryError, match=f"HTTP {status}"):
        sms.send_sms(to="+33612345678", body="Rappel")


def test_a_provider_too_slow_is_worth_another_try(provider, settings):
    settings.SMS_API_TIMEOUT = 0.2
    provider.delay = 1
    started = time.monotonic()
    with pytest.raises(sms.SmsTemporaryError, match="No answer within 0.2 s"):
        sms.send_sms(to="+33612345678", body="Rappel")
    assert time.monotonic() - started < 1


def test_an_unreachable_provider_is_worth_another_try(provider, settings):
    settings.SMS_API_URL = "http://127.0.0.1:9/v1/sms"
    with pytest.raises(sms.SmsTemporaryError, match="unreachable"):
        sms.send_sms(to="+33612345678", body="Rappel")


def test_the_http_backend_refuses_to_run_without_its_settings(settings):
    settings.SMS_API_URL = ""
    settings.SMS_API_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        sms.get_sms_backend("inclusion.core.sms.backends.http.SmsBackend")
    with pytest.raises(ImproperlyConfigured):
        HttpSmsBackend(url="ftp://example.org/", api_key="key")


def test_the_console_backend_prints_the_message(settings, capsys):
    settings.SMS_BACKEND = "inclusion.core.sms.backends.console.SmsBackend"
    sms.send_sms(to="+33612345678", body="Rappel : demain 9 h")
    printed = capsys.readouterr().out
    assert "SMS to +33612345678" in printed
    assert "Rappel : demain 9 h" in printed


def test_the_file_backend_writes_one_file_per_message(settings, tmp_path):
    settings.SMS_BACKEND = "inclusion.core.sms.backends.filebased.SmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    settings.SMS_SENDER = "Permanence"
    first = sms.send_sms(to="+33612345678", body="Premier")
    second = sms.send_sms(to="+33698765432", body="Second")
    files = sorted((tmp_path / "sms").iterdir())
    assert len(files) == 2
    assert first != second
    text = (tmp_path / "sms" / f"{first}.txt").read_text(encoding="utf-8")
    assert text == "To: +33612345678\nFrom: Permanence\n\nPremier\n"


def test_the_file_backend_needs_a_directory(settings, tmp_path):
    a_file = tmp_path / "not-a-directory"
    a_file.write_text("")
    settings.SMS_FILE_PATH = str(a_file)
    with pytest.raises(ImproperlyConfigured):
        sms.get_sms_backend("inclusion.core.sms.backends.filebased.SmsBackend")


def test_the_memory_backend_keeps_messages_for_the_tests(smsoutbox):
    sms.send_sms(to="+33612345678", body="Rappel")
    assert smsoutbox == [sms.SmsMessage(to="+33612345678", body="Rappel", sender="")]
