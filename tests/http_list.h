/* The HTTP test cases: one *_tcase() per file (tests/http_<name>.c). */
TCASE(http_losses)
TCASE(http_records)
TCASE(http_reports)
TCASE(http_deploy)
TCASE(http_compat)
TCASE(http_ops)
TCASE(http_badinput)
TCASE(http_crash)
