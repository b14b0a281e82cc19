from django.urls import path

from reports import views, views_expenses

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("sales/", views.sales, name="sales"),
    path("r/<slug:slug>/", views.report, name="report"),
    path("r/<slug:slug>/export.xlsx", views.report_export, {"fmt": "xlsx"}, name="report-xlsx"),
    path("r/<slug:slug>/export.pdf", views.report_export, {"fmt": "pdf"}, name="report-pdf"),
    path("expenses/", views_expenses.expense_list, name="expense-list"),
    path("expenses/delete/", views_expenses.expense_delete, name="expense-delete"),
    path("expenses/categories/", views_expenses.category_list, name="category-list"),
    path("expenses/categories/<int:pk>/", views_expenses.category_edit, name="category-edit"),
    path("expenses/plan/", views_expenses.expense_plan, name="expense-plan"),
]
