from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def weekly_review(request):
    return render(request, "frontend/weekly_review.html")
