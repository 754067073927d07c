"""Invoicing: billing profiles, debtors, cost sheets, invoices and credit notes."""
