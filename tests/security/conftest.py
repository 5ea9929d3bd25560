from tests.browser.conftest import site  # noqa: F401  (資料2 for a live server)
