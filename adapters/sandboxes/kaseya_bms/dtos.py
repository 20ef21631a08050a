"""The Kaseya BMS DTOs the sandbox reads and writes, copied from Kaseya's published OpenAPI file
(``contracts/kaseya_bms_openapi.json``, ``components.schemas``): every field of each output, so
answers carry what Kaseya's do, and the fields of each input but the read-only ones.

``NOT_IN_SPEC`` are the bodies of the calls the hub needs and the spec lacks (``contract.py``),
named after the published output they create (``QuotationInputDto`` for ``QuotationOutputDto``).
"""

from __future__ import annotations

from adapters.sandboxes.kaseya_bms.schema import Field, dto

OUTPUTS: dict[str, dict[str, Field]] = {
    "TokenOutputDto": dto(
        "AccessToken:str? RefreshToken:str? AccessTokenExpireOn:datetime "
        "RefreshTokenExpireOn:datetime"
    ),
    "UserInfoOutputDto": dto(
        "UserId:int FullName:str? EmailAddress:str? TimeStamp:datetime TimeZoneValue:num "
        "TimeZoneName:str? OlsonTimeZoneName:str? DateFormat:str? TimeFormat:str? "
        "TimeFormatWithSeconds:str? TenantId:int AccountId:int? LocationId:int? ContactId:int? "
        "BusinessName:str? UserAccessRights:[UserAccessRight]? SpecialFeatures:[SpecialFeature]? "
        "ViewsMenus:[Menu]? QueuesMenus:[Menu]? CurrencyCode:str? CultureCode:str? "
        "FilesVersionNumber:str? NewTicketingUI:bool IsUserSystemAdmin:bool ProductName:str? "
        "PictureUrl:str? OpenIdRealmId:str?"
    ),
    "AccountSummaryOutputDto": dto(
        "Id:int CreatedBy:int? CreatedOn:datetime? ModifiedBy:int? ModifiedOn:datetime? "
        "ParentId:int? AccountCode:str? AccountTypeId:int? AccountType:str? AccountName:str? "
        "BusinessTypeId:int? BusinessType:str? ServiceTypeId:int? ServiceType:str? "
        "AccountManagerId:int? AccountManagerUserName:str? CurrencyId:int? CurrencyName:str? "
        "CreditLimit:num? NetDays:num? SalesTaxItemId:int? SalesTaxItemName:str? Website:str? "
        "Description:str? ClassId:int? ClassName:str? IsActive:bool IsBilling:bool "
        "AcquiredDate:datetime? TenantName:str? Locations:[AccountLocationOutputDto]?"
    ),
    "AccountLocationOutputDto": dto(
        "Id:int CreatedBy:int? CreatedOn:datetime? ModifiedBy:int? ModifiedOn:datetime? "
        "LocationName:str? IsMain:bool IsActive:bool TimeZoneId:int? DateFormatId:int? "
        "TimeFormatId:int? Addresses:[AccountAddressOutputDto]?"
    ),
    "AccountAddressOutputDto": dto(
        "Id:int CreatedBy:int? CreatedOn:datetime? ModifiedBy:int? ModifiedOn:datetime? "
        "Address1:str? Address2:str? City:str? State:str? ZipCode:str? CountryId:int? "
        "Country:str? Phone:str? Fax:str? Latitude:num? Longitude:num? EmailAddress:str? "
        "IsMain:bool IsBilling:bool AddressTypeId:int? AddressType:str?"
    ),
    "ContactSummaryOutputDto": dto(
        "Id:int FirstName:str? LastName:str? AccountId:int AccountName:str? LocationId:int "
        "LocationName:str? PhoneNumber:str? EmailAddress:str? "
        "CustomFieldsData:[CustomFieldDataOutputDto]?"
    ),
    "CustomFieldDataOutputDto": dto(
        "Id:int Name:str? Data:str? SettingsId:int CustomFieldType:int CustomFieldId:int"
    ),
    "ContactsSummaryOutputDto": dto(
        "Id:int CreatedBy:int? CreatedOn:datetime? ModifiedBy:int? ModifiedOn:datetime? "
        "AccountId:int AccountName:str? LocationId:int? LocationName:str? FirstName:str? "
        "LastName:str? JobTitle:str? IsPoc:bool IsActive:bool EffectiveDate:datetime? "
        "IsBillable:bool Emails:[ContactEmailOutputDto]? Phones:[ContactPhoneOutputDto]? "
        "CanRecieveInvoices:bool"
    ),
    "ContactEmailOutputDto": dto(
        "Id:int CreatedBy:int? CreatedOn:datetime? ModifiedBy:int? ModifiedOn:datetime? "
        "EmailAddress:str? EmailTypeId:int EmailType:str? IsDefault:bool"
    ),
    "ContactPhoneOutputDto": dto(
        "Id:int CreatedBy:int? CreatedOn:datetime? ModifiedBy:int? ModifiedOn:datetime? "
        "Phone:str? PhoneTypeId:int PhoneType:str? IsDefault:bool"
    ),
    "OpportunityOutputDto": dto(
        "Id:int CreatedBy:int? CreatedOn:datetime? ModifiedBy:int? ModifiedOn:datetime? "
        "Subject:str? StatusId:int Status:str? AccountId:int AccountName:str? "
        "AccountLocationId:int AccountLocationName:str? ContactId:int? ContactFirstName:str? "
        "ContactLastName:str? TypeId:int Type:str? Probability:num Rating:str? RatingId:int? "
        "LeadSource:str? LeadSourceId:int? SalesRepresentativeFirstName:str? "
        "SalesRepresentativeLastName:str? SalesRepresentativeUserId:int Amount:num "
        "InPipeline:bool Description:str? CustomerPO:str? CloseDate:datetime "
        "ProbabilityAdjustedRevenue:num"
    ),
    "OpportunityStatusLookupOutputDto": dto(
        "Id:int Name:str? Probability:num IsActive:bool IsPipeline:bool StatusActionId:int "
        "StatusActionName:str?"
    ),
    "QuotationsListSummaryOutputDto": dto(
        "Id:int Name:str? QuotationNumber:str? StatusId:int? StatusName:str? "
        "ExpiryDate:datetime CreatedOn:datetime"
    ),
    "QuotationOutputDto": dto(
        "Id:int QuotationNumber:str? Name:str? StatusId:int? StatusName:str? "
        "ExpiryDate:datetime CreatedOn:datetime CreatedById:int CreatedByName:str? "
        "OpportunityId:int? OpportunityTitle:str? AccountId:int? AccountName:str? "
        "LocationId:int? LocationName:str? SalesRepresentativeFirstName:str? "
        "SalesRepresentativeLastName:str? SalesRepresentativeUserId:int"
    ),
    "QuotationLineItemOutputDto": dto(
        "Id:int CreatedBy:int? CreatedOn:datetime? ModifiedBy:int? ModifiedOn:datetime? "
        "QuotationId:int Name:str? Description:str? OriginalUnitPrice:num? UnitPrice:num "
        "UnitCost:num Quantity:num? Discount:num TTC:num? Total:num? TaxRate:num? Taxable:bool "
        "IsDistributerItem:bool ExtDistReference:str? Margin:num MarginType:int "
        "DistributorTypeId:int? Image:str?"
    ),
    "ProductsListSearchSelectOutputDto": dto(
        "Id:str? ProductIndexId:int ProductNumber:str? ProductName:str? ProductDescription:str? "
        "UPC:str? Warehouse:str? WarehouseId:int? QTYInStock:num? QTYAvailable:num? "
        "QTYCommitted:num? QTYOnOrder:num? Color:str? WeightedLandedCost:num? SerialNumber:str? "
        "IsSerialized:bool? StockByLocationId:int?"
    ),
    "ServiceListOutputDto": dto(
        "Id:int Name:str? Description:str? UnitCost:num UnitPrice:num CategoryId:int? "
        "Category:str? Margin:num? MarginType:int? SubCategoryId:int? SubCategory:str? "
        "UnitOfMeasureId:int? UnitOfMeasure:str? IncomeAccountCode:str? IncomeAccountName:str? "
        "ExpenseAccountCode:str? ExpenseAccountName:str? IsActive:bool IsTaxable:bool "
        "CreatedOn:datetime CreatedBy:int ModifiedOn:datetime ModifiedBy:int"
    ),
    "ServiceOutputDto": dto(
        "Id:int Name:str? Description:str? UnitCost:num UnitPrice:num CategoryId:int? "
        "Category:str? SubCategoryId:int? SubCategory:str? UnitOfMeasureId:int? "
        "UnitOfMeasure:str? IncomeAccountId:int? IncomeAccountCode:str? IncomeAccountName:str? "
        "ExpenseAccountId:int? ExpenseAccountCode:str? ExpenseAccountName:str? IsActive:bool "
        "IsTaxable:bool CreatedOn:datetime CreatedBy:int ModifiedOn:datetime ModifiedBy:int "
        "Margin:num? MarginType:int?"
    ),
    "WarehouseOutputDto": dto("Id:int Name:str?"),
    "LookupOutputDto": dto("Id:int Name:str? IsDefault:bool IsActive:bool"),
    "AttachmentOutputDto": dto(
        "Id:int OriginalFileName:str? AliasName:str? FileType:str? ObjectId:int? ModuleId:int? "
        "Url:str? WebUrl:str? CreatedById:int? CreatedByName:str? CreatedOn:datetime? "
        "IsUploadedToBlob:bool?"
    ),
}

INPUTS: dict[str, dict[str, Field]] = {
    "AccountPostInputDto": dto(
        "ParentId:int? AccountCode:str? AccountTypeId:int! AccountName:str! Description:str? "
        "Website:str? BusinessTypeId:int! ServiceTypeId:int? CurrencyId:int? "
        "SalesTaxItemId:int? ClassId:int? AccountManagerId:int! IsActive:bool? "
        "AcquiredDate:datetime? CreditLimit:num? NetDays:num? "
        "Locations:[AccountLocationInputDto]! RouteInvoiceToParent:bool"
    ),
    "AccountLocationInputDto": dto(
        "LocationName:str! IsMain:bool IsActive:bool Addresses:[AccountLocationAddressInputDto]!"
    ),
    "AccountLocationAddressInputDto": dto(
        "Address1:str? Address2:str? City:str? State:str? ZipCode:str? CountryId:int? "
        "Country:str? Phone:str? Fax:str? Latitude:num? Longitude:num? EmailAddress:str? "
        "IsMain:bool IsBilling:bool AddressTypeId:int? AddressType:str?"
    ),
    "ContactInputDto": dto(
        "FirstName:str? LastName:str? AccountId:int LocationId:int Phones:[PhoneInputDto]? "
        "Emails:[EmailInputDto]? CustomFieldsData:[CustomFieldDataInputDto]?"
    ),
    "PhoneInputDto": dto("PhoneNumber:str? PhoneTypeId:int IsDefault:bool"),
    "EmailInputDto": dto("EmailAddress:str? EmailTypeId:int IsDefault:bool"),
    "CustomFieldDataInputDto": dto("Id:int CustomFieldId:int Data:str? SettingsId:int?"),
    "OpportunityInputDto": dto(
        "Subject:str! StatusId:int! AccountId:int! AccountLocationId:int! ContactId:int? "
        "TypeId:int! Probability:num! RatingId:int! LeadSourceId:int? "
        "SalesRepresentativeUserId:int! Amount:num! Description:str? CustomerPO:str? "
        "CloseDate:datetime!"
    ),
    "QuotationLineItemInputDto": dto(
        "Id:int Name:str? Description:str? ExtDistReference:str? Image:str? UnitPrice:num "
        "UnitCost:num Quantity:num? Margin:num MarginType:int Discount:num Taxable:bool"
    ),
    "ServiceInputDto": dto(
        "Id:int Name:str? Description:str? UnitCost:num? UnitPrice:num? CategoryId:int? "
        "SubCategoryId:int? UnitOfMeasureId:int? IncomeAccountId:int? ExpenseAccountId:int? "
        "IsActive:bool IsTaxable:bool Margin:num? MarginType:int?"
    ),
    "ServicesListInputDto": dto(
        "PageSize:int PageNumber:int Sort:str? Exclude:str? Filter:@ServicesListFilterDto"
    ),
    "ServicesListFilterDto": dto(
        "Name:str? CategoryIds:[int]? SubCategoryIds:[int]? UnitOfMeasureIds:[int]? "
        "IsActive:int? IsTaxable:int? Description:str? IncomeAccount:str? ExpenseAccount:str?"
    ),
}

# NOT IN THE PUBLISHED SPEC: the quotation and product the hub creates (see contract.py).
NOT_IN_SPEC: dict[str, dict[str, Field]] = {
    "QuotationInputDto": dto(
        "Name:str! OpportunityId:int! AccountId:int? LocationId:int? StatusId:int? "
        "SalesRepresentativeUserId:int? ExpiryDate:datetime! WarehouseId:int?"
    ),
    "ProductInputDto": dto("ProductNumber:str! ProductName:str! ProductDescription:str? UPC:str?"),
}

DTOS: dict[str, dict[str, Field]] = {**OUTPUTS, **INPUTS, **NOT_IN_SPEC}
