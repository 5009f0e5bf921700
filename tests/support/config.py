"""Production configuration as the environment gives it, for the tests of what production refuses."""
from app.config import ProductionConfig

GOOD_SECRET = "x" * 40
KEK = "J0t2H9e6o7nBv8eQ1m5n3l2k4j6h8g0f1d3s5a7q9w0="


def production(monkeypatch, **env):
    for name in ("SECRET_KEY", "KEY_ENCRYPTION_KEYS", "BASE_URL", "ALLOW_LOOPBACK_HTTP", "RATELIMIT_STORAGE_URI"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return ProductionConfig()
