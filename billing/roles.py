"""Which billing permissions each role gets (registered from BillingConfig.ready).

Accountants run the money: documents, payments, bulk invoicing, statements, the dunning ladder.
Directors see everything and alone may let work go on for a client without a valid contract.
Heads of sales see documents, contracts and debtors of the branch. Managers prepare contracts,
proposals and invoices for *their* clients and see their clients' debts (the object check is
``clients.permissions.clients_for``). Drivers and storekeepers only see the flags on the client
(stop deliveries, no valid contract) through the fields the clients app keeps."""

from __future__ import annotations

from crm.accounts.roles import Role

VIEW_DOCUMENTS = "billing.view_document"
#: create drafts (invoices from orders or tariffs, proposals, acts)
ADD_DOCUMENT = "billing.add_document"
#: issue and void documents, credit notes
ISSUE_DOCUMENT = "billing.issue_document"
RUN_BULK = "billing.run_bulk_invoicing"
VIEW_PAYMENTS = "billing.view_payment"
ADD_PAYMENT = "billing.add_payment"
IMPORT_STATEMENT = "billing.import_statement"
VIEW_CONTRACTS = "billing.view_contract"
MANAGE_CONTRACTS = "billing.change_contract"
#: lives on the client so orders and routes can check it without importing billing
OVERRIDE_CONTRACT = "clients.work_without_contract"
MANAGE_CLAUSES = "billing.change_clausetemplate"
MANAGE_ORGANISATIONS = "billing.change_organisation"
VIEW_DEBTORS = "billing.view_debtors"
MANAGE_DUNNING = "billing.change_dunningstep"
#: the PDF templates of documents (Django template language: administrators only, since a
#: template can print any attribute of the objects it is given)
EDIT_DOCUMENT_TEMPLATES = "billing.change_documenttemplate"
#: record a promise to pay, switch reminders off for a client
WORK_DEBTS = "billing.add_promisetopay"

ACCOUNTANT = [
    VIEW_DOCUMENTS,
    ADD_DOCUMENT,
    ISSUE_DOCUMENT,
    RUN_BULK,
    VIEW_PAYMENTS,
    ADD_PAYMENT,
    IMPORT_STATEMENT,
    VIEW_CONTRACTS,
    MANAGE_CONTRACTS,
    MANAGE_CLAUSES,
    MANAGE_ORGANISATIONS,
    VIEW_DEBTORS,
    MANAGE_DUNNING,
    WORK_DEBTS,
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMIN: [*ACCOUNTANT, OVERRIDE_CONTRACT, EDIT_DOCUMENT_TEMPLATES],
    Role.ACCOUNTANT: ACCOUNTANT,
    Role.DIRECTOR: [
        VIEW_DOCUMENTS,
        VIEW_PAYMENTS,
        VIEW_CONTRACTS,
        VIEW_DEBTORS,
        OVERRIDE_CONTRACT,
        WORK_DEBTS,
    ],
    Role.HEAD_OF_SALES: [VIEW_DOCUMENTS, VIEW_PAYMENTS, VIEW_CONTRACTS, VIEW_DEBTORS, WORK_DEBTS],
    Role.MANAGER: [
        VIEW_DOCUMENTS,
        ADD_DOCUMENT,
        ISSUE_DOCUMENT,
        VIEW_PAYMENTS,
        VIEW_CONTRACTS,
        MANAGE_CONTRACTS,
        VIEW_DEBTORS,
        WORK_DEBTS,
    ],
}
