"""Contracts, Tickets and Resources as the sandbox serves them.

These are NOT in ``contracts/autotask_entities.json``: their fields come from Autotask's
public REST documentation (ContractsEntity.htm, TicketsEntity.htm and ResourcesEntity.htm under
``autotask.net/help/DeveloperHelp/Content/APIs/REST/Entities/``), whose field tables
entityInformation also answers. Picklist values are per Autotask instance; these are the
defaults of a new instance, and the adapters read labels rather than trusting the numbers.
"""

from __future__ import annotations

from adapters.sandboxes.autotask.fields import (
    DataType,
    EntityRules,
    FieldSpec,
    by_name,
    specs,
    udfs,
)

CONTRACT_STATUSES = ((0, "Inactive"), (1, "Active"))
CONTRACT_TYPES = (
    (1, "Time and Materials"),
    (3, "Fixed Price"),
    (4, "Block Hours"),
    (6, "Retainer"),
    (7, "Recurring Service"),
    (8, "Per Ticket"),
)
YES_NO = ((0, "No"), (1, "Yes"))
BILLING_PREFERENCES = ((1, "Manually"), (2, "Immediately"), (3, "Timesheet Approval"))

_CONTRACT = [
    FieldSpec("id", DataType.LONG, read_only=True),
    FieldSpec("companyID", DataType.INTEGER, required=True),
    FieldSpec("contractName", DataType.STRING, required=True, max_length=100),
    FieldSpec("contractType", DataType.INTEGER, required=True, picklist=CONTRACT_TYPES),
    FieldSpec("status", DataType.INTEGER, required=True, picklist=CONTRACT_STATUSES),
    *specs(DataType.DATETIME, "startDate endDate", required=True),
    FieldSpec(
        "timeReportingRequiresStartAndStopTimes", DataType.INTEGER, required=True, picklist=YES_NO
    ),
    FieldSpec("billingPreference", DataType.INTEGER, picklist=BILLING_PREFERENCES),
    *specs(
        DataType.INTEGER,
        "billToCompanyContactID billToCompanyID contactID contractCategory"
        " contractExclusionSetID contractPeriodType exclusionContractID opportunityID"
        " organizationalLevelAssociationID renewedContractID serviceLevelAgreementID"
        " setupFeeBillingCodeID",
    ),
    *specs(DataType.STRING, "contractNumber description purchaseOrderNumber"),
    FieldSpec("contactName", DataType.STRING, read_only=True),
    *specs(
        DataType.DOUBLE,
        "estimatedCost estimatedHours estimatedRevenue overageBillingRate setupFee",
    ),
    *specs(
        DataType.DOUBLE,
        "internalCurrencyOverageBillingRate internalCurrencySetupFee",
        read_only=True,
    ),
    FieldSpec("isDefaultContract", DataType.BOOLEAN),
    FieldSpec("isCompliant", DataType.BOOLEAN, read_only=True),
    FieldSpec("lastModifiedDateTime", DataType.DATETIME, read_only=True),
    udfs(),
]

TICKET_STATUSES = (
    (1, "New"),
    (5, "Complete"),
    (7, "Waiting Customer"),
    (8, "In Progress"),
    (9, "Waiting Materials"),
    (10, "Dispatched"),
    (11, "Escalate"),
    (12, "Waiting Vendor"),
)
TICKET_PRIORITIES = ((1, "High"), (2, "Medium"), (3, "Low"), (4, "Critical"))
TICKET_QUEUES = (
    (5, "Client Portal"),
    (6, "Post Sale"),
    (8, "Monitoring Alert"),
    (29682833, "Level I Support"),
    (29682969, "Level II Support"),
    (29683481, "Billing"),
)
ISSUE_TYPES = ((1, "Hardware"), (2, "Software"), (3, "Network"), (9, "Billing"))
SUB_ISSUE_TYPES = (
    (11, "Workstation"),
    (12, "Printer"),
    (21, "Email"),
    (31, "Internet Access"),
    (91, "Payment"),
    (92, "Invoice Question"),
)
TICKET_TYPES = (
    (1, "Service Request"),
    (2, "Incident"),
    (3, "Problem"),
    (4, "Change Request"),
    (5, "Alert"),
)

_TICKET = [
    FieldSpec("id", DataType.LONG, read_only=True),
    FieldSpec("companyID", DataType.INTEGER, required=True),
    FieldSpec("title", DataType.STRING, required=True, max_length=255),
    FieldSpec("status", DataType.INTEGER, required=True, picklist=TICKET_STATUSES),
    FieldSpec("priority", DataType.INTEGER, required=True, picklist=TICKET_PRIORITIES),
    FieldSpec("queueID", DataType.INTEGER, picklist=TICKET_QUEUES),
    FieldSpec("issueType", DataType.INTEGER, picklist=ISSUE_TYPES),
    FieldSpec("subIssueType", DataType.INTEGER, picklist=SUB_ISSUE_TYPES),
    FieldSpec("ticketType", DataType.INTEGER, picklist=TICKET_TYPES),
    FieldSpec("description", DataType.STRING, max_length=8000),
    *specs(
        DataType.INTEGER,
        "assignedResourceID assignedResourceRoleID billingCodeID changeApprovalBoard"
        " changeApprovalStatus changeApprovalType companyLocationID configurationItemID"
        " contactID contractID contractServiceBundleID contractServiceID monitorID"
        " monitorTypeID opportunityID organizationalLevelAssociationID problemTicketId"
        " projectID rmaStatus rmaType serviceLevelAgreementID source ticketCategory",
    ),
    *specs(
        DataType.STRING,
        "changeInfoField1 changeInfoField2 changeInfoField3 changeInfoField4 changeInfoField5"
        " purchaseOrderNumber resolution rmmAlertID",
    ),
    FieldSpec("externalID", DataType.STRING, max_length=50),
    *specs(DataType.DOUBLE, "estimatedHours hoursToBeScheduled"),
    *specs(DataType.DATETIME, "dueDateTime resolutionPlanDueDateTime resolvedDueDateTime"),
    *specs(
        DataType.INTEGER,
        "apiVendorID completedByResourceID creatorResourceID creatorType"
        " currentServiceThermometerRating firstResponseAssignedResourceID"
        " firstResponseInitiatingResourceID impersonatorCreatorResourceID"
        " lastActivityPersonType lastActivityResourceID previousServiceThermometerRating"
        " serviceThermometerTemperature",
        read_only=True,
    ),
    FieldSpec("ticketNumber", DataType.STRING, read_only=True),
    FieldSpec("serviceLevelAgreementHasBeenMet", DataType.BOOLEAN, read_only=True),
    FieldSpec("serviceLevelAgreementPausedNextEventHours", DataType.DOUBLE, read_only=True),
    *specs(
        DataType.DATETIME,
        "completedDate createDate firstResponseDateTime firstResponseDueDateTime"
        " lastActivityDate lastCustomerNotificationDateTime lastCustomerVisibleActivityDateTime"
        " lastTrackedModificationDateTime resolutionPlanDateTime resolvedDateTime",
        read_only=True,
    ),
    udfs(),
]

CONTRACTS = EntityRules("Contract", by_name(_CONTRACT), modified="lastModifiedDateTime")
TICKETS = EntityRules(
    "Ticket",
    by_name(_TICKET),
    created="createDate",
    modified="lastTrackedModificationDateTime",
)

# The people of the instance (users, and the API user itself). Autotask's API cannot create
# them; the sandbox seeds a few (``seed.py``). Only the fields the hub reads are served.
_RESOURCE = [
    FieldSpec("id", DataType.LONG, read_only=True),
    *[FieldSpec(name, DataType.STRING, max_length=50) for name in ("firstName", "lastName")],
    FieldSpec("email", DataType.STRING, max_length=254),
    FieldSpec("userName", DataType.STRING, max_length=32),
    FieldSpec("title", DataType.STRING, max_length=50),
    FieldSpec("isActive", DataType.BOOLEAN),
]
RESOURCES = EntityRules("Resource", by_name(_RESOURCE), api_create=False, api_update=False)
