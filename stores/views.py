from django.http import HttpRequest, HttpResponse


def location_list(request: HttpRequest) -> HttpResponse:  # replaced by the locations pages
    return HttpResponse("")


def switch_location(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")
