import pytest
from django.test import RequestFactory

from crm.accounts.models import Branch
from crm.core.pagination import paginate


@pytest.mark.django_db
def test_capped_pagination_stops_counting_and_says_so(django_assert_max_num_queries):
    Branch.objects.bulk_create(Branch(code=f"c{i}", name=f"B{i}", city="X") for i in range(12))
    request = RequestFactory().get("/", {"page": "2"})
    page = paginate(request, Branch.objects.order_by("pk"), per_page=5, cap=10)
    assert page.paginator.count == 10 and page.paginator.capped
    assert page.paginator.num_pages == 2 and len(page.object_list) == 5
    exact = paginate(request, Branch.objects.order_by("pk"), per_page=5, cap=100)
    assert exact.paginator.count == 12 and not exact.paginator.capped
