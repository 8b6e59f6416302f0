"""The access matrix: every URL pattern of the project x persona x HTTP method -> the
status expected. tests/security/test_access_matrix.py walks the resolver and fails on a
pattern without a row here, so no page ships unchecked.

Columns are the persona's relation to the lab whose objects the URL names (the test runs
each lab-bound pattern with the ids of lab A, then of lab B):

    anon       not logged in
    inactive   logged in, then the account was deactivated
    accountant office-wide accountant
    acct_own   accountant of the URL's lab only
    acct_other accountant of the other lab only
    dir_own    director of the URL's lab
    dir_other  director of the other lab
    auditor    office-wide auditor
    aud_own    auditor of the URL's lab only
    aud_other  auditor of the other lab only
    head       office head

The office's records (exchange rates, institutions) belong to no lab: for them "own" and
"other" are simply the personas of one lab (lab A), who read them as everyone does and
never write them (OFFICE_WRITERS, HEAD_ONLY).

GET and POST are sent to every pattern (POST with an empty body: the matrix checks who
gets past the door, test_walls.py and test_admin_writes.py try real writes). Anonymous and
inactive users are sent to the login page (302) before any method check.
"""

PERSONAS = (
    "anon",
    "inactive",
    "accountant",
    "acct_own",
    "acct_other",
    "dir_own",
    "dir_other",
    "auditor",
    "aud_own",
    "aud_other",
    "head",
)

#                 anon inact acct own other dir  dir-o audit aud aud-o head
# Any role reads it (office records, lists scoped to the user's labs).
EVERY_ROLE = "302 302 200 200 200 200 200 200 200 200 200"
# Read by every role of the lab; the other lab's people get 404, as if it did not exist.
OWN_LAB = "302 302 200 200 404 200 404 200 200 404 200"
# Written by accountants (office-wide or of the lab) and the office head.
WRITERS = "302 302 200 200 200 403 403 403 403 403 200"
WRITERS_OWN = "302 302 200 200 404 403 404 403 403 404 200"
# Office-wide data every lab relies on (exchange rates): written by office-wide
# accountants and the office head only, never by an accountant of some labs.
OFFICE_WRITERS = "302 302 200 403 403 403 403 403 403 403 200"
# The office head's (institutions, labs, partnerships, funding sources, roles).
HEAD_ONLY = "302 302 403 403 403 403 403 403 403 403 200"
HEAD_ONLY_OWN = "302 302 403 403 404 403 404 403 403 404 200"
# No service changes or deletes it: refused to everyone (another lab's: 404).
NOBODY = "302 302 403 403 403 403 403 403 403 403 403"
NOBODY_OWN = "302 302 403 403 404 403 404 403 403 404 403"
# The auditor's workspace: auditors, accountants, office head; directors 404.
AUDIT = "302 302 200 200 200 404 404 200 200 200 200"
# An empty form refused by the page (400 Bad Request); another lab's: 404.
BAD_REQUEST_OWN = "302 302 400 400 404 400 404 400 400 404 400"
NOT_ALLOWED = "302 302 405 405 405 405 405 405 405 405 405"
# A Closing form posted empty: 400 for who may act, 403 for the lab's readers, another
# lab's people 404; reopening is the office head's alone.
CLOSING_FORM = "302 302 400 400 404 403 404 403 403 404 400"
REOPEN_FORM = "302 302 403 403 404 403 404 403 403 404 400"
# A supporting document posted without a file: 400 for who may attach, 403 for the lab's
# readers, another lab's people 404.
DOCUMENT_UPLOAD = "302 302 400 400 404 403 404 403 403 404 400"
# Removing a document of the posted invoice: refused, said on the entry page (302).
DOCUMENT_REMOVE = "302 302 302 302 404 403 404 403 403 404 302"
# The entry form: for who may record (200), 403 for the lab's readers, 404 elsewhere.
ENTRY_FORM = "302 302 200 200 404 403 404 403 403 404 200"
# Changing the posted invoice: sent back to its page (posted entries are never changed).
ENTRY_EDIT_POSTED = "302 302 302 302 404 403 404 403 403 404 302"
NOT_FOUND = "302 302 404 404 404 404 404 404 404 404 404"
REDIRECT = "302 302 302 302 302 302 302 302 302 302 302"
LOGIN = "200 200 302 302 302 302 302 302 302 302 302"
# "/": accountants and the office head get their work queue (the labs they write in);
# directors and auditors each of their labs at a glance.
HOME = "302 302 200 200 200 200 200 200 200 200 200"
# "/labs/<CODE>/": to the lab's budget year, or 404.
LAB_INDEX = "302 302 302 302 404 302 404 302 302 404 302"
# Logging out is a POST only.
POST_ONLY = "405 405 405 405 405 405 405 405 405 405 405"
# The admin's login form posted empty: shown again with its errors, to anyone.
FORM_AGAIN = "200 200 200 200 200 200 200 200 200 200 200"
# The office head's People pages: nobody else knows they exist (404); a form posted
# empty is refused (400) and changes nothing.
PEOPLE = "302 302 404 404 404 404 404 404 404 404 200"
PEOPLE_FORM = "302 302 404 404 404 404 404 404 404 404 400"
# Where a password-reset link lands: open to anyone (a wrong link says so, 200).
ANYONE = "200 200 200 200 200 200 200 200 200 200 200"
ANYONE_NOT_ALLOWED = POST_ONLY
# The import confirmation posted empty: no such import (404) for importers, 403 otherwise.
IMPORT_CONFIRM_EMPTY = "302 302 404 404 404 403 403 403 403 403 404"
# Retrying a job still queued: refused, said on its page (302) to who asked for it (the
# office-wide accountant) and the lab's writers; 403 for its other readers.
JOB_RETRY = "302 302 302 302 404 403 404 403 403 404 302"
# The audit package's form posted empty: refused (400) to who may ask for the package,
# 403 for the lab's directors, 404 elsewhere.
AUDIT_PACKAGE = "302 302 400 400 404 403 404 400 400 404 400"
# The office's third parties (parties/): read by accountants, auditors and the office head
# (a director alone: 404, as the audit workspace); written by every accountant and the
# office head, a form posted empty refused (400); auditors 403.
THIRD_PARTY_READERS = AUDIT
THIRD_PARTY_FORM = "302 302 200 200 200 404 404 403 403 403 200"
THIRD_PARTY_POSTED_EMPTY = "302 302 400 400 400 404 404 403 403 403 400"
# Its admin: the list (403 to a director alone) and its object (404 to a director alone,
# read-only to auditors, a form posted empty shown again to who may write).
THIRD_PARTY_ADMIN_LIST = "302 302 200 200 200 403 403 200 200 200 200"
THIRD_PARTY_ADMIN_CHANGE = "302 302 200 200 200 404 404 403 403 403 200"
THIRD_PARTY_ADMIN_DELETE = "302 302 403 403 403 404 404 403 403 403 403"

# The REST API (api/): no login page, 401 for who is not signed in (or whose account is
# closed); a method the address does not take, 405 before anything else. Lab-bound
# addresses answer 404 to the other lab's people, 403 to a reader when they write.
API_PUBLIC = "200 200 200 200 200 200 200 200 200 200 200"
API_EVERY_ROLE = "401 401 200 200 200 200 200 200 200 200 200"
API_OWN_LAB = "401 401 200 200 404 200 404 200 200 404 200"
# Written with an empty form, not JSON: refused (400) to who may write, 403 to readers.
API_WRITE_EMPTY = "401 401 400 400 404 403 404 403 403 404 400"
# Posting the lab's posted invoice again: refused as frozen (409) to who may write.
API_POST_POSTED = "401 401 409 409 404 403 404 403 403 404 409"
# A statement asked for with an empty form: refused (400) to every reader of the lab.
API_READ_EMPTY = "401 401 400 400 404 400 404 400 400 404 400"
# The hash chain recomputed: the audit workspace's people; a director 403.
API_VERIFY = "401 401 200 200 404 403 404 200 200 404 200"
# An import previewed with nothing sent: invalid (422) to who may import, 403 to readers.
API_IMPORT_EMPTY = "401 401 422 422 404 403 404 403 403 404 422"
# Confirming a preview that does not exist: 404 to who may import, 403 to readers.
API_NO_SUCH_PREVIEW = "401 401 404 404 404 403 404 403 403 404 404"
API_NO_PAGE = "404 404 404 404 404 404 404 404 404 404 404"
API_NOT_ALLOWED = "405 405 405 405 405 405 405 405 405 405 405"
# The API tokens page: every signed-in person's own; a form posted empty: 400.
TOKENS_FORM_EMPTY = "302 302 400 400 400 400 400 400 400 400 400"
# Revoking the office-wide accountant's revoked token: said on the page (302) to its
# owner and the office head, 404 to anyone else.
TOKEN_REVOKE = "302 302 302 404 404 404 404 404 404 404 302"

MATRIX: dict[str, dict[str, str]] = {
    "api/v1/": {"GET": API_NO_PAGE, "POST": API_NO_PAGE},
    "api/<path:rest>": {"GET": API_NO_PAGE, "POST": API_NO_PAGE},
    "api/v1/openapi.json": {"GET": API_PUBLIC, "POST": API_NOT_ALLOWED},
    "api/v1/docs": {"GET": API_PUBLIC, "POST": API_NOT_ALLOWED},
    "api/v1/labs": {"GET": API_EVERY_ROLE, "POST": API_NOT_ALLOWED},
    "api/v1/labs/<str:code>": {"GET": API_OWN_LAB, "POST": API_NOT_ALLOWED},
    "api/v1/labs/<str:code>/accounts": {"GET": API_OWN_LAB, "POST": API_NOT_ALLOWED},
    "api/v1/labs/<str:code>/journals": {"GET": API_OWN_LAB, "POST": API_NOT_ALLOWED},
    "api/v1/labs/<str:code>/years": {"GET": API_OWN_LAB, "POST": API_NOT_ALLOWED},
    "api/v1/rates": {"GET": API_EVERY_ROLE, "POST": API_NOT_ALLOWED},
    "api/v1/labs/<str:code>/entries": {"GET": API_OWN_LAB, "POST": API_WRITE_EMPTY},
    "api/v1/labs/<str:code>/entries/<int:entry_id>": {
        "GET": API_OWN_LAB,
        "POST": API_NOT_ALLOWED,
    },
    "api/v1/labs/<str:code>/entries/<int:entry_id>/post": {
        "GET": API_NOT_ALLOWED,
        "POST": API_POST_POSTED,
    },
    "api/v1/labs/<str:code>/entries/<int:entry_id>/reverse": {
        "GET": API_NOT_ALLOWED,
        "POST": API_WRITE_EMPTY,
    },
    "api/v1/labs/<str:code>/balances": {"GET": API_OWN_LAB, "POST": API_NOT_ALLOWED},
    "api/v1/labs/<str:code>/budget/<int:year>": {"GET": API_OWN_LAB, "POST": API_NOT_ALLOWED},
    "api/v1/labs/<str:code>/statements": {"GET": API_OWN_LAB, "POST": API_READ_EMPTY},
    "api/v1/labs/<str:code>/statements/<int:statement_id>": {
        "GET": API_OWN_LAB,
        "POST": API_NOT_ALLOWED,
    },
    "api/v1/labs/<str:code>/statements/<int:statement_id>/file": {
        "GET": API_OWN_LAB,
        "POST": API_NOT_ALLOWED,
    },
    "api/v1/labs/<str:code>/verify": {"GET": API_NOT_ALLOWED, "POST": API_VERIFY},
    "api/v1/labs/<str:code>/commitments": {"GET": API_OWN_LAB, "POST": API_NOT_ALLOWED},
    "api/v1/labs/<str:code>/imports": {"GET": API_OWN_LAB, "POST": API_IMPORT_EMPTY},
    "api/v1/labs/<str:code>/imports/<int:batch_id>": {
        "GET": API_OWN_LAB,
        "POST": API_NOT_ALLOWED,
    },
    "api/v1/labs/<str:code>/imports/<str:preview_id>/confirm": {
        "GET": API_NOT_ALLOWED,
        "POST": API_NO_SUCH_PREVIEW,
    },
    "account/api-tokens/": {"GET": EVERY_ROLE, "POST": NOT_ALLOWED},
    "account/api-tokens/new/": {"GET": NOT_ALLOWED, "POST": TOKENS_FORM_EMPTY},
    "account/api-tokens/<int:token_id>/revoke/": {"GET": NOT_ALLOWED, "POST": TOKEN_REVOKE},
    "": {"GET": HOME, "POST": NOT_ALLOWED},
    "people/": {"GET": PEOPLE, "POST": NOT_ALLOWED},
    "people/new/": {"GET": NOT_ALLOWED, "POST": PEOPLE_FORM},
    "people/<int:user_id>/": {"GET": PEOPLE, "POST": NOT_ALLOWED},
    "people/<int:user_id>/grant/": {"GET": NOT_ALLOWED, "POST": PEOPLE_FORM},
    "people/<int:user_id>/revoke/": {"GET": NOT_ALLOWED, "POST": PEOPLE_FORM},
    "people/<int:user_id>/deactivate/": {"GET": NOT_ALLOWED, "POST": PEOPLE_FORM},
    "people/<int:user_id>/reactivate/": {"GET": NOT_ALLOWED, "POST": PEOPLE_FORM},
    "people/<int:user_id>/reset-link/": {"GET": NOT_ALLOWED, "POST": PEOPLE_FORM},
    "reset/<uidb64>/<token>/": {"GET": ANYONE, "POST": ANYONE},
    "reset/done/": {"GET": ANYONE, "POST": ANYONE_NOT_ALLOWED},
    "labs/<str:code>/": {"GET": LAB_INDEX, "POST": NOT_ALLOWED},
    "labs/<str:code>/budget/<int:year>/": {"GET": OWN_LAB, "POST": NOT_ALLOWED},
    "labs/<str:code>/budget/<int:year>/lines/<int:line_id>/": {"GET": OWN_LAB, "POST": NOT_ALLOWED},
    "labs/<str:code>/budget/source/<path:source>/": {"GET": OWN_LAB, "POST": NOT_ALLOWED},
    "labs/<str:code>/budget/<int:year>/charts.xlsx": {"GET": OWN_LAB, "POST": NOT_ALLOWED},
    "labs/<str:code>/budget/source/<path:source>/charts.xlsx": {
        "GET": OWN_LAB,
        "POST": NOT_ALLOWED,
    },
    "labs/<str:code>/entries/": {"GET": OWN_LAB, "POST": NOT_ALLOWED},
    "labs/<str:code>/entries/export.xlsx": {"GET": OWN_LAB, "POST": NOT_ALLOWED},
    "labs/<str:code>/entries/new/": {"GET": ENTRY_FORM, "POST": CLOSING_FORM},
    "labs/<str:code>/entries/<int:entry_id>/": {"GET": OWN_LAB, "POST": NOT_ALLOWED},
    "labs/<str:code>/entries/<int:entry_id>/edit/": {
        "GET": ENTRY_EDIT_POSTED,
        "POST": ENTRY_EDIT_POSTED,
    },
    # Posting, reversing (empty form) and deleting the posted invoice: refused, 400.
    "labs/<str:code>/entries/<int:entry_id>/post/": {"GET": NOT_ALLOWED, "POST": CLOSING_FORM},
    "labs/<str:code>/entries/<int:entry_id>/reverse/": {"GET": NOT_ALLOWED, "POST": CLOSING_FORM},
    "labs/<str:code>/entries/<int:entry_id>/delete/": {"GET": NOT_ALLOWED, "POST": CLOSING_FORM},
    "labs/<str:code>/entries/<int:entry_id>/documents/": {
        "GET": NOT_ALLOWED,
        "POST": DOCUMENT_UPLOAD,
    },
    "labs/<str:code>/entries/<int:entry_id>/documents/<int:document_id>/": {
        "GET": OWN_LAB,
        "POST": NOT_ALLOWED,
    },
    "labs/<str:code>/entries/<int:entry_id>/documents/<int:document_id>/remove/": {
        "GET": NOT_ALLOWED,
        "POST": DOCUMENT_REMOVE,
    },
    "labs/<str:code>/closing/": {"GET": OWN_LAB, "POST": NOT_ALLOWED},
    "labs/<str:code>/closing/month/close/": {"GET": NOT_ALLOWED, "POST": CLOSING_FORM},
    "labs/<str:code>/closing/month/reopen/": {"GET": NOT_ALLOWED, "POST": REOPEN_FORM},
    "labs/<str:code>/closing/year/open/": {"GET": NOT_ALLOWED, "POST": CLOSING_FORM},
    "labs/<str:code>/closing/year/close/": {"GET": NOT_ALLOWED, "POST": CLOSING_FORM},
    "labs/<str:code>/closing/year/reopen/": {"GET": NOT_ALLOWED, "POST": REOPEN_FORM},
    "labs/<str:code>/imports/": {"GET": OWN_LAB, "POST": NOT_ALLOWED},
    "labs/<str:code>/imports/<int:batch_id>/": {"GET": OWN_LAB, "POST": NOT_ALLOWED},
    # Withdrawing a batch posted empty (no reason, not confirmed): 400 for who may act,
    # 403 for the lab's readers, another lab's people 404.
    "labs/<str:code>/imports/<int:batch_id>/delete/": {"GET": NOT_ALLOWED, "POST": CLOSING_FORM},
    "labs/<str:code>/statements/": {"GET": OWN_LAB, "POST": NOT_ALLOWED},
    "labs/<str:code>/statements/issue/": {"GET": NOT_ALLOWED, "POST": BAD_REQUEST_OWN},
    "labs/<str:code>/statements/check/": {"GET": NOT_ALLOWED, "POST": BAD_REQUEST_OWN},
    "labs/<str:code>/statements/audit-package/": {"GET": NOT_ALLOWED, "POST": AUDIT_PACKAGE},
    "labs/<str:code>/statements/<int:statement_id>/download/": {
        "GET": OWN_LAB,
        "POST": NOT_ALLOWED,
    },
    # Bank reconciliation (issue 14): every reader of the lab sees the bank accounts, their
    # statements and months; accountants and the office head add, set up, import and match
    # (their forms posted empty: 400); directors and auditors read (403 on every form) and
    # issue the month's statement (posted empty: 400); another lab's people 404.
    "labs/<str:code>/bank/": {"GET": OWN_LAB, "POST": NOT_ALLOWED},
    "labs/<str:code>/bank/new/": {"GET": ENTRY_FORM, "POST": CLOSING_FORM},
    "labs/<str:code>/bank/<int:bank_account_id>/": {"GET": OWN_LAB, "POST": NOT_ALLOWED},
    "labs/<str:code>/bank/<int:bank_account_id>/settings/": {
        "GET": ENTRY_FORM,
        "POST": CLOSING_FORM,
    },
    "labs/<str:code>/bank/<int:bank_account_id>/import/": {"GET": ENTRY_FORM, "POST": CLOSING_FORM},
    "labs/<str:code>/bank/<int:bank_account_id>/import/confirm/": {
        "GET": NOT_ALLOWED,
        "POST": CLOSING_FORM,
    },
    "labs/<str:code>/bank/<int:bank_account_id>/statements/<int:bank_statement_id>/": {
        "GET": OWN_LAB,
        "POST": NOT_ALLOWED,
    },
    "labs/<str:code>/bank/<int:bank_account_id>/<int:year>/<int:month>/": {
        "GET": OWN_LAB,
        "POST": NOT_ALLOWED,
    },
    "labs/<str:code>/bank/<int:bank_account_id>/<int:year>/<int:month>/obvious/": {
        "GET": NOT_ALLOWED,
        "POST": CLOSING_FORM,
    },
    "labs/<str:code>/bank/<int:bank_account_id>/<int:year>/<int:month>/match/": {
        "GET": NOT_ALLOWED,
        "POST": CLOSING_FORM,
    },
    "labs/<str:code>/bank/<int:bank_account_id>/<int:year>/<int:month>/entries/": {
        "GET": NOT_ALLOWED,
        "POST": CLOSING_FORM,
    },
    "labs/<str:code>/bank/<int:bank_account_id>/<int:year>/<int:month>/unmatch/": {
        "GET": NOT_ALLOWED,
        "POST": CLOSING_FORM,
    },
    "labs/<str:code>/bank/<int:bank_account_id>/<int:year>/<int:month>/statement/": {
        "GET": NOT_ALLOWED,
        "POST": BAD_REQUEST_OWN,
    },
    "labs/<str:code>/alerts/": {"GET": OWN_LAB, "POST": NOT_ALLOWED},
    "labs/<str:code>/alerts/language/": {"GET": NOT_ALLOWED, "POST": BAD_REQUEST_OWN},
    "labs/<str:code>/jobs/": {"GET": OWN_LAB, "POST": NOT_ALLOWED},
    "labs/<str:code>/jobs/<int:job_id>/": {"GET": OWN_LAB, "POST": NOT_ALLOWED},
    "labs/<str:code>/jobs/<int:job_id>/progress/": {"GET": OWN_LAB, "POST": NOT_ALLOWED},
    "labs/<str:code>/jobs/<int:job_id>/retry/": {"GET": NOT_ALLOWED, "POST": JOB_RETRY},
    # Lettering (issue 14): every reader of the lab sees the lines and the automatic
    # proposal; a form posted empty (no line, no lettering, no group) is refused (400) to
    # who may letter, 403 for directors and auditors, another lab's people 404.
    "labs/<str:code>/lettering/": {"GET": OWN_LAB, "POST": NOT_ALLOWED},
    "labs/<str:code>/lettering/letter/": {"GET": NOT_ALLOWED, "POST": CLOSING_FORM},
    "labs/<str:code>/lettering/unletter/": {"GET": NOT_ALLOWED, "POST": CLOSING_FORM},
    "labs/<str:code>/lettering/propose/": {"GET": OWN_LAB, "POST": NOT_ALLOWED},
    "labs/<str:code>/lettering/confirm/": {"GET": NOT_ALLOWED, "POST": CLOSING_FORM},
    "third-parties/": {"GET": THIRD_PARTY_READERS, "POST": NOT_ALLOWED},
    "third-parties/new/": {"GET": THIRD_PARTY_FORM, "POST": THIRD_PARTY_POSTED_EMPTY},
    # The sheet's import: for who keeps the file; a form posted empty (no file, no
    # preview) is refused with the reason (400).
    "third-parties/import/": {"GET": THIRD_PARTY_FORM, "POST": THIRD_PARTY_POSTED_EMPTY},
    "third-parties/import/confirm/": {"GET": NOT_ALLOWED, "POST": THIRD_PARTY_POSTED_EMPTY},
    "third-parties/import/template/": {"GET": THIRD_PARTY_FORM, "POST": NOT_ALLOWED},
    "third-parties/<path:party>/": {"GET": THIRD_PARTY_READERS, "POST": NOT_ALLOWED},
    "third-parties/<path:party>/edit/": {
        "GET": THIRD_PARTY_FORM,
        "POST": THIRD_PARTY_POSTED_EMPTY,
    },
    "third-parties/<path:party>/deactivate/": {
        "GET": NOT_ALLOWED,
        "POST": THIRD_PARTY_POSTED_EMPTY,
    },
    "third-parties/<path:party>/reactivate/": {
        "GET": NOT_ALLOWED,
        "POST": THIRD_PARTY_POSTED_EMPTY,
    },
    "audit/": {"GET": AUDIT, "POST": NOT_ALLOWED},
    "audit/trail/": {"GET": AUDIT, "POST": NOT_ALLOWED},
    "audit/trail/export.xlsx": {"GET": AUDIT, "POST": NOT_ALLOWED},
    "audit/imports/": {"GET": AUDIT, "POST": NOT_ALLOWED},
    "audit/verify/": {"GET": AUDIT, "POST": AUDIT},
    "login/": {"GET": LOGIN, "POST": LOGIN},
    "logout/": {"GET": POST_ONLY, "POST": REDIRECT},
    "i18n/setlang/": {"GET": REDIRECT, "POST": REDIRECT},
    # The health probe: open to anyone, it says only "ok" or what is down; GET and HEAD only.
    "healthz": {"GET": ANYONE, "POST": ANYONE_NOT_ALLOWED},
    "admin/": {"GET": EVERY_ROLE, "POST": EVERY_ROLE},
    "admin/login/": {"GET": LOGIN, "POST": FORM_AGAIN},
    "admin/logout/": {"GET": NOT_ALLOWED, "POST": REDIRECT},
    "admin/password_change/": {"GET": EVERY_ROLE, "POST": EVERY_ROLE},
    "admin/password_change/done/": {"GET": EVERY_ROLE, "POST": NOT_ALLOWED},
    "admin/autocomplete/": {"GET": EVERY_ROLE, "POST": NOT_ALLOWED},
    "admin/jsi18n/": {"GET": EVERY_ROLE, "POST": NOT_ALLOWED},
    "admin/r/<path:content_type_id>/<path:object_id>/": {"GET": NOT_FOUND, "POST": NOT_FOUND},
    "admin/irls/institution/": {"GET": EVERY_ROLE, "POST": EVERY_ROLE},
    "admin/irls/institution/add/": {"GET": HEAD_ONLY, "POST": HEAD_ONLY},
    "admin/irls/institution/<path:object_id>/history/": {"GET": EVERY_ROLE, "POST": EVERY_ROLE},
    "admin/irls/institution/<path:object_id>/delete/": {"GET": NOBODY, "POST": NOBODY},
    "admin/irls/institution/<path:object_id>/change/": {"GET": EVERY_ROLE, "POST": NOBODY},
    "admin/irls/institution/<path:object_id>/": {"GET": REDIRECT, "POST": REDIRECT},
    "admin/irls/lab/": {"GET": EVERY_ROLE, "POST": EVERY_ROLE},
    "admin/irls/lab/add/": {"GET": HEAD_ONLY, "POST": HEAD_ONLY},
    "admin/irls/lab/<path:object_id>/history/": {"GET": OWN_LAB, "POST": OWN_LAB},
    "admin/irls/lab/<path:object_id>/delete/": {"GET": NOBODY_OWN, "POST": NOBODY_OWN},
    "admin/irls/lab/<path:object_id>/change/": {"GET": OWN_LAB, "POST": NOBODY_OWN},
    "admin/irls/lab/<path:object_id>/": {"GET": REDIRECT, "POST": REDIRECT},
    "admin/irls/partnership/": {"GET": EVERY_ROLE, "POST": EVERY_ROLE},
    "admin/irls/partnership/add/": {"GET": HEAD_ONLY, "POST": HEAD_ONLY},
    "admin/irls/partnership/<path:object_id>/history/": {"GET": OWN_LAB, "POST": OWN_LAB},
    "admin/irls/partnership/<path:object_id>/delete/": {"GET": NOBODY_OWN, "POST": NOBODY_OWN},
    "admin/irls/partnership/<path:object_id>/change/": {"GET": OWN_LAB, "POST": NOBODY_OWN},
    "admin/irls/partnership/<path:object_id>/": {"GET": REDIRECT, "POST": REDIRECT},
    "admin/irls/fundingsource/": {"GET": EVERY_ROLE, "POST": EVERY_ROLE},
    "admin/irls/fundingsource/add/": {"GET": HEAD_ONLY, "POST": HEAD_ONLY},
    "admin/irls/fundingsource/<path:object_id>/history/": {"GET": OWN_LAB, "POST": OWN_LAB},
    "admin/irls/fundingsource/<path:object_id>/delete/": {"GET": NOBODY_OWN, "POST": NOBODY_OWN},
    "admin/irls/fundingsource/<path:object_id>/change/": {"GET": OWN_LAB, "POST": NOBODY_OWN},
    "admin/irls/fundingsource/<path:object_id>/": {"GET": REDIRECT, "POST": REDIRECT},
    "admin/irls/rolegrant/": {"GET": EVERY_ROLE, "POST": EVERY_ROLE},
    "admin/irls/rolegrant/add/": {"GET": HEAD_ONLY, "POST": HEAD_ONLY},
    "admin/irls/rolegrant/<path:object_id>/history/": {"GET": OWN_LAB, "POST": OWN_LAB},
    "admin/irls/rolegrant/<path:object_id>/delete/": {"GET": HEAD_ONLY_OWN, "POST": HEAD_ONLY_OWN},
    "admin/irls/rolegrant/<path:object_id>/change/": {"GET": OWN_LAB, "POST": NOBODY_OWN},
    "admin/irls/rolegrant/<path:object_id>/": {"GET": REDIRECT, "POST": REDIRECT},
    "admin/ledger/budgetamendment/": {"GET": EVERY_ROLE, "POST": EVERY_ROLE},
    "admin/ledger/budgetamendment/add/": {"GET": NOBODY, "POST": NOBODY},
    "admin/ledger/budgetamendment/<path:object_id>/history/": {"GET": OWN_LAB, "POST": OWN_LAB},
    "admin/ledger/budgetamendment/<path:object_id>/delete/": {
        "GET": NOBODY_OWN,
        "POST": NOBODY_OWN,
    },
    "admin/ledger/budgetamendment/<path:object_id>/change/": {"GET": OWN_LAB, "POST": NOBODY_OWN},
    "admin/ledger/budgetamendment/<path:object_id>/": {"GET": REDIRECT, "POST": REDIRECT},
    "admin/ledger/account/": {"GET": EVERY_ROLE, "POST": EVERY_ROLE},
    "admin/ledger/account/add/": {"GET": WRITERS, "POST": WRITERS},
    "admin/ledger/account/<path:object_id>/history/": {"GET": OWN_LAB, "POST": OWN_LAB},
    "admin/ledger/account/<path:object_id>/delete/": {"GET": NOBODY_OWN, "POST": NOBODY_OWN},
    "admin/ledger/account/<path:object_id>/change/": {"GET": OWN_LAB, "POST": NOBODY_OWN},
    "admin/ledger/account/<path:object_id>/": {"GET": REDIRECT, "POST": REDIRECT},
    "admin/ledger/journal/": {"GET": EVERY_ROLE, "POST": EVERY_ROLE},
    "admin/ledger/journal/add/": {"GET": WRITERS, "POST": WRITERS},
    "admin/ledger/journal/<path:object_id>/history/": {"GET": OWN_LAB, "POST": OWN_LAB},
    "admin/ledger/journal/<path:object_id>/delete/": {"GET": NOBODY_OWN, "POST": NOBODY_OWN},
    "admin/ledger/journal/<path:object_id>/change/": {"GET": OWN_LAB, "POST": NOBODY_OWN},
    "admin/ledger/journal/<path:object_id>/": {"GET": REDIRECT, "POST": REDIRECT},
    "admin/ledger/fiscalyear/": {"GET": EVERY_ROLE, "POST": EVERY_ROLE},
    "admin/ledger/fiscalyear/add/": {"GET": WRITERS, "POST": WRITERS},
    "admin/ledger/fiscalyear/<path:object_id>/history/": {"GET": OWN_LAB, "POST": OWN_LAB},
    "admin/ledger/fiscalyear/<path:object_id>/delete/": {"GET": NOBODY_OWN, "POST": NOBODY_OWN},
    "admin/ledger/fiscalyear/<path:object_id>/change/": {"GET": OWN_LAB, "POST": NOBODY_OWN},
    "admin/ledger/fiscalyear/<path:object_id>/": {"GET": REDIRECT, "POST": REDIRECT},
    "admin/ledger/period/": {"GET": EVERY_ROLE, "POST": EVERY_ROLE},
    "admin/ledger/period/add/": {"GET": NOBODY, "POST": NOBODY},
    "admin/ledger/period/<path:object_id>/history/": {"GET": OWN_LAB, "POST": OWN_LAB},
    "admin/ledger/period/<path:object_id>/delete/": {"GET": NOBODY_OWN, "POST": NOBODY_OWN},
    "admin/ledger/period/<path:object_id>/change/": {"GET": OWN_LAB, "POST": NOBODY_OWN},
    "admin/ledger/period/<path:object_id>/": {"GET": REDIRECT, "POST": REDIRECT},
    "admin/ledger/exchangerate/": {"GET": EVERY_ROLE, "POST": EVERY_ROLE},
    "admin/ledger/exchangerate/add/": {"GET": OFFICE_WRITERS, "POST": OFFICE_WRITERS},
    "admin/ledger/exchangerate/<path:object_id>/history/": {"GET": EVERY_ROLE, "POST": EVERY_ROLE},
    "admin/ledger/exchangerate/<path:object_id>/delete/": {"GET": NOBODY, "POST": NOBODY},
    "admin/ledger/exchangerate/<path:object_id>/change/": {
        "GET": EVERY_ROLE,
        "POST": OFFICE_WRITERS,
    },
    "admin/ledger/exchangerate/<path:object_id>/": {"GET": REDIRECT, "POST": REDIRECT},
    "admin/ledger/auditevent/": {"GET": EVERY_ROLE, "POST": EVERY_ROLE},
    "admin/ledger/auditevent/add/": {"GET": NOBODY, "POST": NOBODY},
    "admin/ledger/auditevent/<path:object_id>/history/": {"GET": OWN_LAB, "POST": OWN_LAB},
    "admin/ledger/auditevent/<path:object_id>/delete/": {"GET": NOBODY_OWN, "POST": NOBODY_OWN},
    "admin/ledger/auditevent/<path:object_id>/change/": {"GET": OWN_LAB, "POST": NOBODY_OWN},
    "admin/ledger/auditevent/<path:object_id>/": {"GET": REDIRECT, "POST": REDIRECT},
    "admin/ledger/budgetline/<path:object_id>/amend/": {"GET": WRITERS_OWN, "POST": WRITERS_OWN},
    "admin/ledger/budgetline/<path:object_id>/transfer/": {"GET": WRITERS_OWN, "POST": WRITERS_OWN},
    "admin/ledger/budgetline/": {"GET": EVERY_ROLE, "POST": EVERY_ROLE},
    "admin/ledger/budgetline/add/": {"GET": WRITERS, "POST": WRITERS},
    "admin/ledger/budgetline/<path:object_id>/history/": {"GET": OWN_LAB, "POST": OWN_LAB},
    "admin/ledger/budgetline/<path:object_id>/delete/": {"GET": NOBODY_OWN, "POST": NOBODY_OWN},
    "admin/ledger/budgetline/<path:object_id>/change/": {"GET": OWN_LAB, "POST": WRITERS_OWN},
    "admin/ledger/budgetline/<path:object_id>/": {"GET": REDIRECT, "POST": REDIRECT},
    "admin/ledger/commitment/<path:object_id>/carry-over/": {
        "GET": WRITERS_OWN,
        "POST": WRITERS_OWN,
    },
    "admin/ledger/commitment/<path:object_id>/amend/": {"GET": WRITERS_OWN, "POST": WRITERS_OWN},
    "admin/ledger/commitment/<path:object_id>/cancel/": {"GET": WRITERS_OWN, "POST": WRITERS_OWN},
    "admin/ledger/commitment/": {"GET": EVERY_ROLE, "POST": EVERY_ROLE},
    "admin/ledger/commitment/add/": {"GET": WRITERS, "POST": WRITERS},
    "admin/ledger/commitment/<path:object_id>/history/": {"GET": OWN_LAB, "POST": OWN_LAB},
    "admin/ledger/commitment/<path:object_id>/delete/": {"GET": NOBODY_OWN, "POST": NOBODY_OWN},
    "admin/ledger/commitment/<path:object_id>/change/": {"GET": OWN_LAB, "POST": NOBODY_OWN},
    "admin/ledger/commitment/<path:object_id>/": {"GET": REDIRECT, "POST": REDIRECT},
    "admin/ledger/journalentry/": {"GET": EVERY_ROLE, "POST": EVERY_ROLE},
    "admin/ledger/journalentry/add/": {"GET": WRITERS, "POST": WRITERS},
    "admin/ledger/journalentry/<path:object_id>/history/": {"GET": OWN_LAB, "POST": OWN_LAB},
    "admin/ledger/journalentry/<path:object_id>/delete/": {"GET": NOBODY_OWN, "POST": NOBODY_OWN},
    "admin/ledger/journalentry/<path:object_id>/change/": {"GET": OWN_LAB, "POST": NOBODY_OWN},
    "admin/ledger/journalentry/<path:object_id>/": {"GET": REDIRECT, "POST": REDIRECT},
    "admin/ledger/importbatch/import/": {"GET": WRITERS, "POST": WRITERS},
    "admin/ledger/importbatch/import/confirm/": {"GET": REDIRECT, "POST": IMPORT_CONFIRM_EMPTY},
    "admin/ledger/importbatch/template/<str:kind>/": {"GET": EVERY_ROLE, "POST": EVERY_ROLE},
    "admin/ledger/importbatch/": {"GET": EVERY_ROLE, "POST": EVERY_ROLE},
    "admin/ledger/importbatch/add/": {"GET": NOBODY, "POST": NOBODY},
    "admin/ledger/importbatch/<path:object_id>/history/": {"GET": OWN_LAB, "POST": OWN_LAB},
    "admin/ledger/importbatch/<path:object_id>/delete/": {"GET": NOBODY_OWN, "POST": NOBODY_OWN},
    "admin/ledger/importbatch/<path:object_id>/change/": {"GET": OWN_LAB, "POST": NOBODY_OWN},
    "admin/ledger/importbatch/<path:object_id>/": {"GET": REDIRECT, "POST": REDIRECT},
    "admin/parties/thirdparty/": {"GET": THIRD_PARTY_ADMIN_LIST, "POST": THIRD_PARTY_ADMIN_LIST},
    "admin/parties/thirdparty/add/": {"GET": WRITERS, "POST": WRITERS},
    "admin/parties/thirdparty/<path:object_id>/history/": {
        "GET": THIRD_PARTY_READERS,
        "POST": THIRD_PARTY_READERS,
    },
    "admin/parties/thirdparty/<path:object_id>/delete/": {
        "GET": THIRD_PARTY_ADMIN_DELETE,
        "POST": THIRD_PARTY_ADMIN_DELETE,
    },
    "admin/parties/thirdparty/<path:object_id>/change/": {
        "GET": THIRD_PARTY_READERS,
        "POST": THIRD_PARTY_ADMIN_CHANGE,
    },
    "admin/parties/thirdparty/<path:object_id>/": {"GET": REDIRECT, "POST": REDIRECT},
    # Bank reconciliation in the admin: read-only (the bank pages write).
    "admin/banking/bankaccount/": {"GET": EVERY_ROLE, "POST": EVERY_ROLE},
    "admin/banking/bankaccount/add/": {"GET": NOBODY, "POST": NOBODY},
    "admin/banking/bankaccount/<path:object_id>/history/": {"GET": OWN_LAB, "POST": OWN_LAB},
    "admin/banking/bankaccount/<path:object_id>/delete/": {"GET": NOBODY_OWN, "POST": NOBODY_OWN},
    "admin/banking/bankaccount/<path:object_id>/change/": {"GET": OWN_LAB, "POST": NOBODY_OWN},
    "admin/banking/bankaccount/<path:object_id>/": {"GET": REDIRECT, "POST": REDIRECT},
    "admin/banking/bankstatement/": {"GET": EVERY_ROLE, "POST": EVERY_ROLE},
    "admin/banking/bankstatement/add/": {"GET": NOBODY, "POST": NOBODY},
    "admin/banking/bankstatement/<path:object_id>/history/": {"GET": OWN_LAB, "POST": OWN_LAB},
    "admin/banking/bankstatement/<path:object_id>/delete/": {"GET": NOBODY_OWN, "POST": NOBODY_OWN},
    "admin/banking/bankstatement/<path:object_id>/change/": {"GET": OWN_LAB, "POST": NOBODY_OWN},
    "admin/banking/bankstatement/<path:object_id>/": {"GET": REDIRECT, "POST": REDIRECT},
    "admin/banking/bankmatch/": {"GET": EVERY_ROLE, "POST": EVERY_ROLE},
    "admin/banking/bankmatch/add/": {"GET": NOBODY, "POST": NOBODY},
    "admin/banking/bankmatch/<path:object_id>/history/": {"GET": OWN_LAB, "POST": OWN_LAB},
    "admin/banking/bankmatch/<path:object_id>/delete/": {"GET": NOBODY_OWN, "POST": NOBODY_OWN},
    "admin/banking/bankmatch/<path:object_id>/change/": {"GET": OWN_LAB, "POST": NOBODY_OWN},
    "admin/banking/bankmatch/<path:object_id>/": {"GET": REDIRECT, "POST": REDIRECT},
    # Budget alerts: read-only (raised by the check, alerts.services).
    "admin/alerts/alert/": {"GET": EVERY_ROLE, "POST": EVERY_ROLE},
    "admin/alerts/alert/add/": {"GET": NOBODY, "POST": NOBODY},
    "admin/alerts/alert/<path:object_id>/history/": {"GET": OWN_LAB, "POST": OWN_LAB},
    "admin/alerts/alert/<path:object_id>/delete/": {"GET": NOBODY_OWN, "POST": NOBODY_OWN},
    "admin/alerts/alert/<path:object_id>/change/": {"GET": OWN_LAB, "POST": NOBODY_OWN},
    "admin/alerts/alert/<path:object_id>/": {"GET": REDIRECT, "POST": REDIRECT},
    "admin/auth/group/": {"GET": NOBODY, "POST": NOBODY},
    "admin/auth/group/add/": {"GET": NOBODY, "POST": NOBODY},
    "admin/auth/group/<path:object_id>/history/": {"GET": NOBODY, "POST": NOBODY},
    "admin/auth/group/<path:object_id>/delete/": {"GET": NOBODY, "POST": NOBODY},
    "admin/auth/group/<path:object_id>/change/": {"GET": NOBODY, "POST": NOBODY},
    "admin/auth/group/<path:object_id>/": {"GET": REDIRECT, "POST": REDIRECT},
    "admin/auth/user/<id>/password/": {"GET": NOBODY, "POST": NOBODY},
    "admin/auth/user/": {"GET": NOBODY, "POST": NOBODY},
    "admin/auth/user/add/": {"GET": NOBODY, "POST": NOBODY},
    "admin/auth/user/<path:object_id>/history/": {"GET": NOBODY, "POST": NOBODY},
    "admin/auth/user/<path:object_id>/delete/": {"GET": NOBODY, "POST": NOBODY},
    "admin/auth/user/<path:object_id>/change/": {"GET": NOBODY, "POST": NOBODY},
    "admin/auth/user/<path:object_id>/": {"GET": REDIRECT, "POST": REDIRECT},
    "admin/^(?P<app_label>irls|ledger|parties|banking|alerts|auth)/$": {
        "GET": EVERY_ROLE,
        "POST": EVERY_ROLE,
    },
    "admin/(?P<url>.*)$": {"GET": NOT_FOUND, "POST": NOT_FOUND},
}

# The rates import: a valid sheet of exchange rates posted to the admin's import page
# (each persona choosing a lab they import into, lab A otherwise), previewed for the
# office-wide importers, refused with the rule to every other accountant (403), as the
# import page is to directors and auditors. tests/security/test_access_matrix.py.
RATES_IMPORT = OFFICE_WRITERS
