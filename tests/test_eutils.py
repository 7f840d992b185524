"""The E-utilities client: request values without a server, then real HTTP to the emulator."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from evidence.errors import ConfigError, EutilsError
from evidence.eutils import EFetch, EPost, ESearch, EutilsClient, redact
from evidence.pacing import RateLimiter, RetryPolicy
from evidence.pubmed import parse_article_set
from evidence.testing import EutilsEmulator, synthetic_articles

FAST = RetryPolicy(attempts=4, backoff=0.01, max_wait=0.05, read_timeout=5.0, total=30.0)


# --- request values and helpers, no server -----------------------------------------------


def test_esearch_request_value() -> None:
    request = ESearch(term="ketamine[tiab]", datetype="edat", mindate="2020/01/01")
    assert request.params() == {
        "db": "pubmed",
        "term": "ketamine[tiab]",
        "retstart": "0",
        "retmax": "9999",
        "usehistory": "y",
        "datetype": "edat",
        "mindate": "2020/01/01",
        "maxdate": "3000",
    }
    assert request.method == "POST" and request.endpoint == "esearch.fcgi"


def test_efetch_request_values() -> None:
    by_ids = EFetch(ids=("1", "2")).params()
    assert by_ids["id"] == "1,2" and "WebEnv" not in by_ids
    by_history = EFetch(webenv="W", query_key="1", retstart=200, retmax=200).params()
    assert by_history == {
        "db": "pubmed",
        "retmode": "xml",
        "rettype": "abstract",
        "WebEnv": "W",
        "query_key": "1",
        "retstart": "200",
        "retmax": "200",
    }
    assert EPost(ids=("5",)).params() == {"db": "pubmed", "id": "5"}


def test_urls_are_redacted() -> None:
    url = "https://x/esearch.fcgi?term=a&api_key=SECRET&email=me%40x.org&tool=evidence"
    assert redact(url) == "https://x/esearch.fcgi?term=a&tool=evidence"
    client = EutilsClient(email="me@x.org", api_key="SECRET", limiter=RateLimiter(100))
    shown = client.url_for(ESearch(term="a"))
    assert "SECRET" not in shown and "me@x.org" not in shown and "me%40x.org" not in shown
    many = client.url_for(EFetch(ids=tuple(str(i) for i in range(200))))
    assert many.endswith("id=0%2C1%2C2%2C...%28200+ids%29")


def test_email_is_required_and_url_must_be_http() -> None:
    with pytest.raises(ConfigError, match="set NCBI_EMAIL or pass --email"):
        EutilsClient(email="")
    with pytest.raises(ConfigError, match="not an http"):
        EutilsClient(email="a@b.org", base_url="ftp://x/")


# --- against the emulator -------------------------------------------------------------------


@pytest.fixture
def emulator() -> Iterator[EutilsEmulator]:
    articles = synthetic_articles(5, seed=1, first_pmid=40000000)
    with EutilsEmulator(articles, rate_limit=None, valid_api_keys=("GOODKEY",)) as emu:
        emu.add_search("ketamine", sorted(articles), translation='"ketamine"[MeSH Terms]')
        yield emu


def client_for(emu: EutilsEmulator, **kwargs: object) -> EutilsClient:
    options: dict[str, object] = {"limiter": RateLimiter(1000), "policy": FAST}
    options.update(kwargs)
    return EutilsClient(email="dev@example.org", base_url=emu.url, **options)  # type: ignore[arg-type]


def test_search_with_history_then_batched_fetch_by_post(emulator: EutilsEmulator) -> None:
    client = client_for(emulator, api_key="GOODKEY")
    result = client.esearch(ESearch(term="ketamine"))
    assert result.count == 5 and len(result.ids) == 5
    assert result.webenv and result.query_key
    assert result.translation == '"ketamine"[MeSH Terms]'
    pmids: list[str] = []
    for start in (0, 2, 4):
        body = client.efetch(
            EFetch(webenv=result.webenv, query_key=result.query_key, retstart=start, retmax=2)
        )
        pmids += [s.pmid for s in parse_article_set(body).studies]
    assert sorted(pmids) == sorted(result.ids)
    by_ids = parse_article_set(client.efetch(EFetch(ids=result.ids[:3])))
    assert [s.pmid for s in by_ids.studies] == list(result.ids[:3])
    fetches = [r for r in emulator.requests if r.endpoint == "efetch"]
    assert len(fetches) == 4 and all(r.method == "POST" for r in fetches)
    for r in emulator.requests:  # identification on every request
        assert r.params["tool"] == "evidence"
        assert r.params["email"] == "dev@example.org"
        assert r.params["api_key"] == "GOODKEY"


def test_an_empty_result_is_zero_not_an_error(emulator: EutilsEmulator) -> None:
    result = client_for(emulator).esearch(ESearch(term="no such thing"))
    assert (result.count, result.ids) == (0, ())


def test_epost(emulator: EutilsEmulator) -> None:
    client = client_for(emulator)
    webenv, key = client.epost(EPost(ids=("40000000", "40000001")))
    body = client.efetch(EFetch(webenv=webenv, query_key=key, retmax=10))
    assert {s.pmid for s in parse_article_set(body).studies} == {"40000000", "40000001"}


def test_search_warnings_are_kept(emulator: EutilsEmulator) -> None:
    emulator.add_search(
        "ketamine zzqx", ["40000000"], errors=["zzqx"], warnings=["Quoted phrase not found."]
    )
    result = client_for(emulator).esearch(ESearch(term="ketamine zzqx"))
    assert result.count == 1
    assert result.warnings == ("PhraseNotFound: zzqx", "OutputMessage: Quoted phrase not found.")


@pytest.mark.parametrize(
    ("fault", "options"),
    [
        ("http_429", {"retry_after": 0}),
        ("http_500", {}),
        ("http_502", {}),
        ("http_503", {}),
        ("reset", {}),
        ("truncate", {}),
        ("html_200", {}),
        ("error_200", {}),
        ("timeout", {"seconds": 1.5}),
    ],
)
def test_transient_failures_are_retried(
    emulator: EutilsEmulator, fault: str, options: dict[str, object]
) -> None:
    emulator.inject("*", fault, times=2, **options)
    policy = RetryPolicy(attempts=4, backoff=0.01, max_wait=0.05, read_timeout=0.5, total=30.0)
    client = client_for(emulator, policy=policy)
    result = client.esearch(ESearch(term="ketamine"))
    assert result.count == 5
    body = client.efetch(EFetch(ids=result.ids))
    assert len(parse_article_set(body).studies) == 5
    assert emulator.count("esearch") == 3  # two faults, then the answer


def test_an_efetch_error_answer_is_reported_as_such(emulator: EutilsEmulator) -> None:
    client = client_for(emulator)
    with pytest.raises(EutilsError, match="EFetch failed: Unable to obtain query #1"):
        client.efetch(EFetch(webenv="MCID_nonexistent", query_key="1", retmax=5))
    assert emulator.count("efetch") == 1  # a permanent error: not retried


def test_retry_after_is_honoured(emulator: EutilsEmulator) -> None:
    slept: list[float] = []
    emulator.inject("esearch", "http_429", times=1, retry_after=2)
    client = client_for(emulator, sleep=slept.append)
    assert client.esearch(ESearch(term="ketamine")).count == 5
    assert slept == [2.0]


def test_persistent_failure_is_an_error_never_zero_results(emulator: EutilsEmulator) -> None:
    emulator.inject("esearch", "error_200", times=100)
    with pytest.raises(EutilsError, match="Search Backend failed") as info:
        client_for(emulator).esearch(ESearch(term="ketamine"))
    assert "after 4 attempt(s)" in str(info.value)
    assert emulator.count("esearch") == 4


def test_persistent_http_errors_carry_a_redacted_url(emulator: EutilsEmulator) -> None:
    emulator.inject("*", "http_503", times=100)
    client = client_for(emulator, api_key="GOODKEY")
    with pytest.raises(EutilsError) as info:
        client.esearch(ESearch(term="ketamine"))
    assert "HTTP 503" in str(info.value) and info.value.status == 503
    assert info.value.url is not None and "esearch.fcgi" in info.value.url
    assert "GOODKEY" not in str(info.value) and "dev@example.org" not in str(info.value)


def test_total_time_is_bounded(emulator: EutilsEmulator) -> None:
    emulator.inject("*", "http_500", times=100)
    policy = RetryPolicy(attempts=50, backoff=0.2, max_wait=0.2, total=1.0)
    with pytest.raises(EutilsError):
        client_for(emulator, policy=policy).esearch(ESearch(term="ketamine"))
    assert emulator.count("esearch") < 10


def test_invalid_api_key_is_a_configuration_error(emulator: EutilsEmulator) -> None:
    with pytest.raises(ConfigError, match="API key invalid: check NCBI_API_KEY") as info:
        client_for(emulator, api_key="BADKEY").esearch(ESearch(term="ketamine"))
    assert "BADKEY" not in str(info.value)
    assert emulator.count("esearch") == 1  # not retried


def test_zero_results_because_the_term_failed_is_an_error(emulator: EutilsEmulator) -> None:
    emulator.add_search("ketamine[zz]", [], errors=["ketamine[zz]"])
    with pytest.raises(EutilsError, match="PhraseNotFound: ketamine\\[zz\\]"):
        client_for(emulator).esearch(ESearch(term="ketamine[zz]"))
    assert emulator.count("esearch") == 1


@pytest.mark.parametrize(("api_key", "rate", "n"), [("", 3, 8), ("GOODKEY", 10, 24)])
def test_rate_limit_is_kept_across_the_process(api_key: str, rate: int, n: int) -> None:
    articles = synthetic_articles(2, seed=2)
    with EutilsEmulator(
        articles, rate_limit=3.0, rate_limit_with_key=10.0, valid_api_keys=("GOODKEY",)
    ) as emu:
        emu.add_search("k", sorted(articles))
        # Two clients built with defaults share the process's limiter for this host: together
        # they stay within NCBI's limit.
        a = EutilsClient(email="dev@example.org", base_url=emu.url, api_key=api_key)
        b = EutilsClient(email="dev@example.org", base_url=emu.url, api_key=api_key)
        for _ in range(n // 2):
            a.esearch(ESearch(term="k"))
            b.esearch(ESearch(term="k"))
        answered = len(emu.requests)
    # One limiter for both: each client's own would send twice NCBI's rate. (How far apart
    # the emulator saw the requests arrive depends on how busy the machine is: the spacing
    # itself is tested with a clock of the test's own, below.)
    assert a.limiter is b.limiter
    assert a.limiter is not None and a.limiter.interval >= 1 / rate  # NCBI's rate for the key
    assert answered >= n


class _Busy(RateLimiter):
    """A limiter on a busy machine: every other thread whose turn comes is held 0.3 s before
    it can send."""

    def __init__(self, rate: float) -> None:
        super().__init__(rate)
        self.turns = 0
        self.turns_lock = threading.Lock()

    def acquire(self, deadline: float | None = None) -> bool:
        ok = super().acquire(deadline)
        with self.turns_lock:
            self.turns += 1
            held = self.turns % 2 == 1
        if held:
            time.sleep(0.3)
        return ok


def test_the_rate_is_kept_at_the_server_when_the_machine_holds_a_thread_late() -> None:
    articles = synthetic_articles(2, seed=2)
    with EutilsEmulator(articles, rate_limit=3.0) as emu:
        emu.add_search("k", sorted(articles))
        limiter = _Busy(3.0)
        clients = [
            EutilsClient(email="dev@example.org", base_url=emu.url, limiter=limiter, policy=FAST)
            for _ in range(2)
        ]

        def search(client: EutilsClient) -> None:
            for _ in range(4):
                client.esearch(ESearch(term="k"))

        threads = [threading.Thread(target=search, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        times = sorted(r.time for r in emu.requests)
    assert len(times) == 8  # the server refused none with 429 (a refusal is retried: more)
    for i in range(len(times) - 3):
        assert times[i + 3] - times[i] >= 0.95  # never 4 requests inside one second
