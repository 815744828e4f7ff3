"""describeGlobal and sObject describe, generated from the schema declarations."""

from __future__ import annotations

from typing import Any

from sfemu.schema.model import SOAP_TYPES, FieldDef, ObjectDef, Schema
from sfemu.soql import child_relationship_name


def object_urls(obj: ObjectDef, version: str, *, tooling: bool = False) -> dict[str, str]:
    base = f"/services/data/v{version}/{'tooling/' if tooling else ''}sobjects/{obj.name}"
    return {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"}


def global_entry(obj: ObjectDef, version: str) -> dict[str, Any]:
    return {
        "name": obj.name,
        "label": obj.label or obj.name,
        "labelPlural": obj.label_plural or obj.name,
        "keyPrefix": obj.key_prefix,
        "custom": obj.custom,
        "customSetting": False,
        "queryable": obj.queryable,
        "retrieveable": obj.queryable,
        "replicateable": obj.replicateable,
        "createable": obj.createable,
        "updateable": obj.updateable,
        "deletable": obj.deletable,
        "undeletable": obj.deletable,
        "mergeable": obj.name in {"Account", "Contact", "Lead"},
        "searchable": True,
        "triggerable": not obj.tooling,
        "layoutable": not obj.tooling,
        "activateable": False,
        "feedEnabled": False,
        "mruEnabled": True,
        "deprecatedAndHidden": False,
        "hasSubtypes": False,
        "isSubtype": False,
        "isInterface": False,
        "deepCloneable": False,
        "associateEntityType": None,
        "associateParentEntity": None,
        "urls": object_urls(obj, version, tooling=obj.tooling),
    }


def describe_global(schema: Schema, version: str, *, tooling: bool = False) -> dict[str, Any]:
    objects = schema.tooling if tooling else schema.objects
    return {
        "encoding": "UTF-8",
        "maxBatchSize": 200,
        "sobjects": [global_entry(obj, version) for obj in sorted(objects.values(), key=lambda o: o.name)],
    }


def describe_field(f: FieldDef) -> dict[str, Any]:
    numeric = f.type in {"double", "currency", "percent"}
    stringy = f.type not in {
        "boolean",
        "int",
        "long",
        "double",
        "currency",
        "percent",
        "date",
        "datetime",
        "time",
        "address",
        "location",
    }
    return {
        "name": f.name,
        "label": f.label or f.name,
        "type": f.type,
        "soapType": SOAP_TYPES.get(f.type, "xsd:string"),
        "length": f.length if stringy else 0,
        "byteLength": f.length * 3 if stringy else 0,
        "precision": f.precision if numeric else 0,
        "scale": f.scale if numeric else 0,
        "digits": f.precision if f.type in {"int", "long"} else 0,
        "nillable": f.nillable,
        "createable": f.createable,
        "updateable": f.updateable,
        "defaultedOnCreate": f.defaulted_on_create,
        "unique": f.unique,
        "caseSensitive": False,
        "externalId": f.external_id,
        "idLookup": f.id_lookup or f.name == "Id",
        "nameField": f.name_field,
        "autoNumber": False,
        "calculated": f.calculated,
        "calculatedFormula": f.formula if f.formula and "." in f.formula else None,
        "filterable": f.type not in {"textarea", "address", "location"} or f.length <= 255,
        "sortable": f.type not in {"textarea", "multipicklist", "address", "location"},
        "groupable": f.type in {"string", "picklist", "id", "reference", "boolean", "date", "email", "phone"},
        "aggregatable": f.type not in {"textarea", "address", "location", "multipicklist"},
        "custom": f.custom,
        "encrypted": False,
        "htmlFormatted": False,
        "deprecatedAndHidden": False,
        "permissionable": f.nillable and not f.calculated,
        "restrictedPicklist": f.restricted_picklist,
        "dependentPicklist": False,
        "controllerName": None,
        "referenceTo": list(f.reference_to),
        "relationshipName": f.relationship_name,
        "relationshipOrder": None,
        "polymorphicForeignKey": len(f.reference_to) > 1,
        "cascadeDelete": f.cascade_delete,
        "restrictedDelete": False,
        "namePointing": len(f.reference_to) > 1,
        "writeRequiresMasterRead": False,
        "compoundFieldName": f.compound_field_name,
        "picklistValues": [
            {
                "active": True,
                "defaultValue": value == f.default,
                "label": value,
                "value": value,
                "validFor": None,
            }
            for value in f.picklist
        ],
        "defaultValue": f.default if f.type in {"boolean", "picklist"} else None,
        "defaultValueFormula": None,
        "inlineHelpText": None,
        "extraTypeInfo": "personname" if f.compound_field_name == "Name" else None,
        "mask": None,
        "maskType": None,
        "referenceTargetField": None,
        "queryByDistance": False,
        "searchPrefilterable": False,
        "highScaleNumber": False,
        "displayLocationInDecimal": False,
        "formulaTreatNullNumberAsZero": False,
        "aiPredictionField": False,
    }


def describe(schema: Schema, obj: ObjectDef, version: str) -> dict[str, Any]:
    children: list[dict[str, Any]] = (
        []
        if obj.tooling
        else [
            {
                "childSObject": child.name,
                "field": f.name,
                "relationshipName": child_relationship_name(child, f, obj),
                "cascadeDelete": f.cascade_delete,
                "restrictedDelete": False,
                "deprecatedAndHidden": False,
                "junctionIdListNames": [],
                "junctionReferenceTo": [],
            }
            for child, f in schema.child_relationships(obj.name)
        ]
    )
    return {
        **global_entry(obj, version),
        "fields": [describe_field(f) for f in obj.fields.values()],
        "childRelationships": children,
        "recordTypeInfos": [
            {
                "active": True,
                "available": True,
                "defaultRecordTypeMapping": True,
                "master": True,
                "name": "Master",
                "recordTypeId": "012000000000000AAA",
            }
        ],
        "supportedScopes": [{"label": "All", "name": "everything"}, {"label": "Mine", "name": "mine"}],
        "namedLayoutInfos": [],
        "networkScopeFieldName": None,
        "sobjectDescribeOption": "FULL",
        "listviewable": None,
        "lookupLayoutable": None,
        "searchLayoutable": True,
        "compactLayoutable": True,
        "actionOverrides": [],
        "defaultImplementation": None,
        "extendedBy": None,
        "extendsInterfaces": None,
        "implementedBy": None,
        "implementsInterfaces": None,
        "isInterface": False,
    }
