"""sfemu: a local Salesforce org emulator (OAuth, REST, composite, Bulk 1.0/2.0, Tooling, SOQL, faults).

It imports nothing from syncline: to every client it is simply a Salesforce org.
"""

__version__ = "0.1.0"
