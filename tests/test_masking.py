"""The one masking function (``verbatims.mask_pii``): what it must hide and what it must keep.

Numbers are the usual written forms of each country (Ofcom's drama ranges for the UK, the
ARCEP fiction range for France, 555 for the US, Australia's ACMA fiction ranges); IBANs are
the examples of the IBAN registry (SWIFT); QQ 12 34 56 C is HMRC's example NI number.
"""

import pytest

from cxdata.verbatims import mask_pii

HIDE = [
    # phones: UK
    ("+44 20 7946 0958", "[phone]"),
    ("+44 (0)20 7946 0958", "[phone]"),
    ("020 7946 0958", "[phone]"),
    ("(020) 7946 0958", "[phone]"),
    ("07700 900123", "[phone]"),
    ("+447700900123", "[phone]"),
    # France
    ("+33 6 12 34 56 78", "[phone]"),
    ("06 12 34 56 78", "[phone]"),
    ("06.12.34.56.78", "[phone]"),
    ("+33 (0)1 99 00 12 34", "[phone]"),
    # Germany
    ("+49 30 1234567", "[phone]"),
    ("+49 (0)30 1234 5678", "[phone]"),
    ("030 1234567", "[phone]"),
    ("030-12345678", "[phone]"),
    # US
    ("(555) 123-4567", "[phone]"),
    ("555-123-4567", "[phone]"),
    ("555.123.4567", "[phone]"),
    ("+1 555 123 4567", "[phone]"),
    ("+1 (555) 123-4567", "[phone]"),
    ("555-0134", "[phone]"),
    # India
    ("+91 98765 43210", "[phone]"),
    ("098765 43210", "[phone]"),
    ("+91-98765-43210", "[phone]"),
    # Brazil
    ("+55 11 91234-5678", "[phone]"),
    ("(11) 91234-5678", "[phone]"),
    # Australia
    ("+61 2 9876 5432", "[phone]"),
    ("(02) 9876 5432", "[phone]"),
    ("0412 345 678", "[phone]"),
    ("+61 412 345 678", "[phone]"),
    # IBANs
    ("GB82 WEST 1234 5698 7654 32", "[IBAN]"),
    ("DE89 3704 0044 0532 0130 00", "[IBAN]"),
    ("FR14 2004 1010 0505 0001 3M02 606", "[IBAN]"),
    ("GB82WEST12345698765432", "[IBAN]"),
    # e-mail addresses, also obfuscated
    ("jane.doe@example.com", "[e-mail]"),
    ("jane.doe+cx@mail.example.co.uk", "[e-mail]"),
    ("jane(at)example.com", "[e-mail]"),
    ("jane [at] example [dot] com", "[e-mail]"),
    ("jane{at}example{dot}co{dot}uk", "[e-mail]"),
    ("jane at example dot com", "[e-mail]"),
    ("JANE [AT] EXAMPLE [DOT] COM", "[e-mail]"),
    # national ids
    ("QQ 12 34 56 C", "[id number]"),
    ("QQ123456C", "[id number]"),
    ("123-45-6789", "[id number]"),
    # cards
    ("4111 1111 1111 1111", "[card number]"),
    ("4111-1111-1111-1111", "[card number]"),
    ("4111111111111111", "[card number]"),
    ("3782 822463 10005", "[card number]"),
    # other long numbers
    ("12345678", "[number]"),
]

KEEP = [
    "2026-10-31",
    "31/10/2026",
    "31.10.2026",
    "10/31/26",
    "31-10-2026",
    "from 2026-10-01 to 2026-10-31",
    "at 14:30",
    "10:30-11:45",
    "£1,299.00",
    "paid 45.50 twice",
    "1,234,567 points",  # thousands separators: an amount, not a phone
    "order 48213",
    "order #A-1042",
    "NPS 9 of 10, last time 7",
    "scores 9 8 7 10",
    "waited 40 minutes",
    "room 12 34",
    "-14 to +12",
    "I shopped at example.com",
    "we met at home. Great",
]


@pytest.mark.parametrize(("text", "masked"), HIDE)
def test_personal_data_is_masked_in_every_written_form(text, masked):
    assert mask_pii(f"Reach me: {text}, thanks") == f"Reach me: {masked}, thanks"


@pytest.mark.parametrize("text", KEEP)
def test_dates_times_amounts_and_scores_are_kept(text):
    assert mask_pii(f"Note: {text}.") == f"Note: {text}."


@pytest.mark.parametrize("text", ["192.168.1.10", "10.0.0.1", "203.0.113.254"])
def test_an_ip_address_is_masked_as_an_ip_address_not_a_phone(text):
    # An IP address can identify a customer's connection (CJEU C-582/14, Breyer), so it is
    # masked, but named for what it is.
    assert mask_pii(f"from {text} yesterday") == "from [IP address] yesterday"


def test_missing_values_pass_through():
    assert mask_pii(None) is None
