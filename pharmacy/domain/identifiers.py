"""Identifiers a prescription carries, and their check digits."""

NPI_PREFIX = "80840"  # the health-industry prefix the NPI check digit is computed over


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def npi_problem(npi: str) -> str | None:
    """Why `npi` is not a National Provider Identifier, or None when it is one."""
    if len(npi) != 10 or not npi.isascii() or not npi.isdigit():
        return "must be 10 digits"
    if npi[0] not in "12":
        return "must start with 1 or 2"
    if not luhn_valid(NPI_PREFIX + npi):
        return "check digit does not match (not a valid NPI)"
    return None


def dea_problem(dea: str) -> str | None:
    """Why `dea` is not a DEA registration number, or None when it is one.

    Two letters then seven digits; the last digit checks the other six.
    """
    if len(dea) != 9 or not dea[:2].isascii() or not dea[:2].isalpha():
        return "must be two letters followed by seven digits"
    digits = dea[2:]
    if not digits.isascii() or not digits.isdigit():
        return "must be two letters followed by seven digits"
    d = [int(c) for c in digits]
    check = (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10
    if check != d[6]:
        return "check digit does not match (not a valid DEA number)"
    return None
