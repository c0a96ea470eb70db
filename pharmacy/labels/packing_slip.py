"""The packing slip that goes in the parcel of a mailed fill.

What the patient opening the box needs: who it is for and where it went, the pharmacy to
send it back to, each Rx number in it, and how to store it the moment it arrives (the
worksheet's storage line: "keep refrigerated" for an unpreserved liquid). No price: the
slip may be read by anyone who handles the parcel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pharmacy.domain.labeling import PharmacyDetails, long_date
from pharmacy.labels.documents import TITLE, document, facts, gap, grid, heading, para


@dataclass(frozen=True)
class PackedFill:
    rx_number: str
    item: str  # "Naltrexone HCl 1.5 mg capsule, 30 capsules"
    use_by: date | None
    storage: str


@dataclass(frozen=True)
class PackingSlipFacts:
    pharmacy: PharmacyDetails
    patient_name: str
    address: tuple[str, ...]
    carrier: str
    tracking_number: str
    shipped_on: date
    fills: tuple[PackedFill, ...]


def render_packing_slip(slip: PackingSlipFacts) -> bytes:
    """A letter-size PDF: ship-to, return address, the fills, and their storage."""
    pharmacy = slip.pharmacy
    storage = sorted({fill.storage for fill in slip.fills if fill.storage})
    story = [
        para("Packing slip", TITLE),
        gap(),
        facts(
            [
                ("Ship to", slip.patient_name),
                *(("", line) for line in slip.address),
                ("Return to", f"{pharmacy.name}, {pharmacy.address}"),
                ("Pharmacy phone", pharmacy.phone),
                ("Shipped", f"{long_date(slip.shipped_on)} by {slip.carrier}"),
                ("Tracking number", slip.tracking_number),
            ]
        ),
        heading("In this parcel"),
        grid(
            ("Rx", "Medicine", "Use by"),
            [
                (f"Rx {fill.rx_number}", fill.item, long_date(fill.use_by) if fill.use_by else "")
                for fill in slip.fills
            ],
            (1.2, 4.0, 1.4),
        ),
        heading("Storage"),
        *(para(f"Storage: {line}") for line in storage),
        gap(),
        para(
            "Open the parcel as soon as it arrives and store the medicine as its label says. "
            f"Questions, or a parcel that arrived damaged: call {pharmacy.phone}."
        ),
    ]
    return document(
        f"Packing slip: Rx {', '.join(fill.rx_number for fill in slip.fills)}",
        f"{pharmacy.name} · packing slip · {slip.tracking_number}",
        story,
    )
