"""staff.api against the in-process emulator."""

from __future__ import annotations

from xpm_emulator.seed import DEMO_TENANT_ID, SECOND_TENANT_ID, seed_uuid

OLIVIA = seed_uuid("demo", "staff", "Olivia Bennett")


def test_list_returns_every_staff_member_sorted_by_name(api):
    root = api.ok("GET", "staff.api/list")
    assert root.get("api-method") == "List"
    staff = root.findall("StaffList/Staff")
    assert len(staff) == 12
    assert [child.tag for child in staff[0]] == [
        "UUID",
        "Name",
        "Email",
        "Phone",
        "Mobile",
        "Address",
        "PayrollCode",
    ]
    names = [s.findtext("Name") for s in staff]
    assert names == sorted(names, key=str.casefold)
    assert staff[0].findtext("Email") == "chloe@demo-practice.example"


def test_list_sorts_case_insensitively_upper_case_first(api):
    for name in ("test", "ASIC Annual Review", "Test", "Annual Accounts"):
        api.ok("POST", "staff.api/add", f"<Staff><Name>{name}</Name></Staff>")
    names = [s.findtext("Name") for s in api.ok("GET", "staff.api/list").findall("StaffList/Staff")]
    assert names[:2] == ["Annual Accounts", "ASIC Annual Review"]
    assert names.index("Test") + 1 == names.index("test")


def test_get_returns_detail_with_web_url(api):
    root = api.ok("GET", f"staff.api/get/{OLIVIA}")
    assert root.get("api-method") == "Get"
    assert root.findtext("WebUrl").startswith("https://")
    assert root.findtext("Staff/Name") == "Olivia Bennett"


def test_get_unknown_staff_is_an_error(api):
    assert api.error("GET", "staff.api/get/00000000-0000-0000-0000-000000000000") == (
        "Invalid staff identifier"
    )


def test_add_answers_get_quirk_and_allows_duplicate_emails(api, tenant):
    body = "<Staff><Name>Jo Bloggs</Name><Email>olivia@demo-practice.example</Email></Staff>"
    root = api.ok("POST", "staff.api/add", body)
    assert root.get("api-method") == "Get"
    uuid = root.findtext("Staff/UUID")
    assert root.findtext("Staff/Email") == "olivia@demo-practice.example"
    assert tenant.find_staff(uuid).name == "Jo Bloggs"


def test_add_without_name_is_an_error(api):
    assert api.error("POST", "staff.api/add", "<Staff><Email>a@b</Email></Staff>") == (
        "Message not in expected format. The following required element was missing - /Staff/Name"
    )


def test_update_changes_only_given_fields(api, tenant):
    body = f"<Staff><UUID>{OLIVIA}</UUID><Phone>555</Phone></Staff>"
    root = api.ok("PUT", "staff.api/update", body)
    assert root.get("api-method") == "Update"
    assert root.findtext("Staff/Phone") == "555"
    assert root.findtext("Staff/Name") == "Olivia Bennett"
    assert api.error("PUT", "staff.api/update", f"<Staff><UUID>{OLIVIA}</UUID><Name /></Staff>")


def test_update_unknown_staff_is_an_error(api):
    body = "<Staff><UUID>11111111-1111-1111-1111-111111111111</UUID><Name>X</Name></Staff>"
    assert api.error("PUT", "staff.api/update", body) == "Invalid staff identifier"


def test_enable_disable_and_delete(api, tenant):
    body = f"<Staff><UUID>{OLIVIA}</UUID></Staff>"
    assert api.ok("POST", "staff.api/disable", body).get("api-method") == "Disable"
    assert tenant.find_staff(OLIVIA).enabled is False
    assert api.ok("POST", "staff.api/enable", body).get("api-method") == "Enable"
    assert tenant.find_staff(OLIVIA).enabled is True
    root = api.ok("POST", "staff.api/delete", body)
    assert root.get("api-method") == "Delete"
    assert len(root) == 1  # Status only
    assert tenant.find_staff(OLIVIA) is None
    assert len(api.ok("GET", "staff.api/list").findall("StaffList/Staff")) == 11
    assert api.error("POST", "staff.api/delete", body) == "Invalid staff identifier"


def test_wrong_root_element_is_an_error(api):
    assert api.error("POST", "staff.api/add", "<Client><Name>x</Name></Client>").startswith(
        "Message not in expected format"
    )


def test_tenants_are_separate(api):
    api.tenant_id = DEMO_TENANT_ID
    demo = api.ok("GET", "staff.api/list").findall("StaffList/Staff")
    api.tenant_id = SECOND_TENANT_ID
    second = api.ok("GET", "staff.api/list").findall("StaffList/Staff")
    assert (len(demo), len(second)) == (12, 3)
    assert api.error("GET", f"staff.api/get/{OLIVIA}") == "Invalid staff identifier"
