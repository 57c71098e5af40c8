"""Demo organisation: two synthetic municipalities, their teams and the development users.

Kommunekoder 901 and 902 are not in use by any real municipality. Idempotent: running it again
changes nothing. Password for every development user: `demo`.
"""

from __future__ import annotations

import sys
import uuid

from sqlalchemy import Connection
from sqlalchemy.dialects.postgresql import insert

from api.auth.service import hash_password
from api.auth.tables import fk_role_mapping
from api.db import make_engine
from api.finance import kontostreng
from api.org.tables import app_user, municipality, org_unit, user_role
from api.settings import get_settings
from api.tilbud import importer as tilbud_importer

NAMESPACE = uuid.UUID("6f1c3d52-0b7e-4d38-9a52-5e0f6c1b9d01")

MUNICIPALITIES = {"901": "Demo Nord Kommune", "902": "Demo Syd Kommune"}
# Made-up CVR numbers for the two demo municipalities (not registered companies).
MUNICIPALITY_CVR = {"901": "90100001", "902": "90200002"}
# One demo municipality books in OPUS, the other in Prisme (both through FK-ØKO).
FINANCE_SYSTEM = {"901": "OPUS", "902": "PRISME"}
UNITS = {"901": "Børne- og ungerådgivningen Nord", "902": "Børne- og ungerådgivningen Syd"}
USERS = (
    ("caseworker", "Rikke Rådgiver", "901", ("caseworker",)),
    ("leader", "Lene Leder", "901", ("team_leader",)),
    ("analyst", "Anders Analytiker", "901", ("analyst",)),
    ("operator", "Ole Operatør", "901", ("operator",)),
    ("auditor", "Aase Revisor", "901", ("auditor",)),
    ("finance", "Frank Økonomi", "901", ("finance",)),
    ("caseworker2", "Sara Sagsbehandler", "902", ("caseworker",)),
    # A colleague in Nord who has not worked the demo cases: a genvurdering (§ 137) needs one.
    ("caseworker3", "Mads Myndighed", "901", ("caseworker",)),
    # The municipalities' administrators (api/admin, /administration).
    ("admin", "Alma Administrator", "901", ("admin",)),
    ("admin2", "Bo Administrator", "902", ("admin",)),
)

# The demo municipalities' mapping of FK Adgangsstyring brugersystemroller (made-up URIs; a real
# municipality uses the entity ids of the roles it created for Børnesag) to our roles.
FK_ROLES = {
    "http://boernesag.example/roles/usersystemrole/myndighedsraadgiver/1": "caseworker",
    "http://boernesag.example/roles/usersystemrole/teamleder/1": "team_leader",
    "http://boernesag.example/roles/usersystemrole/revisor/1": "auditor",
    "http://boernesag.example/roles/usersystemrole/oekonomi/1": "finance",
}


def unit_id(municipality_id: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"unit:{municipality_id}")


def user_id(username: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"user:{username}")


def duty_group(municipality_id: str) -> str:
    return f"{municipality_id}-modtagelse"


def seed(conn: Connection) -> None:
    for mid, name in MUNICIPALITIES.items():
        conn.execute(
            insert(municipality)
            .values(
                id=mid, name=name, cvr=MUNICIPALITY_CVR[mid], finance_system=FINANCE_SYSTEM[mid]
            )
            .on_conflict_do_update(index_elements=["id"], set_={"cvr": MUNICIPALITY_CVR[mid]})
        )
        conn.execute(
            insert(org_unit)
            .values(
                id=unit_id(mid),
                municipality_id=mid,
                name=UNITS[mid],
                duty_group=duty_group(mid),
                leader_group=f"{duty_group(mid)}-ledere",
            )
            .on_conflict_do_nothing()
        )
    kontostreng.seed(conn, MUNICIPALITIES)
    # The synthetic offer catalogue (api/tilbud/sample), imported as any catalogue file is.
    tilbud_importer.import_sample(conn)
    for mid in MUNICIPALITIES:
        for fk_role, role in FK_ROLES.items():
            conn.execute(
                insert(fk_role_mapping)
                .values(municipality_id=mid, fk_role=fk_role, role=role)
                .on_conflict_do_nothing()
            )
    password = hash_password("demo")
    for username, display, mid, roles in USERS:
        conn.execute(
            insert(app_user)
            .values(
                id=user_id(username),
                username=username,
                display_name=display,
                municipality_id=mid,
                org_unit_id=unit_id(mid),
                password_hash=password,
            )
            .on_conflict_do_nothing()
        )
        for role in roles:
            conn.execute(
                insert(user_role)
                .values(user_id=user_id(username), role=role)
                .on_conflict_do_nothing()
            )


def main() -> int:
    with make_engine(get_settings()).begin() as conn:
        seed(conn)
    print("demo organisation seeded: 901 Demo Nord Kommune, 902 Demo Syd Kommune")
    return 0


if __name__ == "__main__":
    sys.exit(main())
