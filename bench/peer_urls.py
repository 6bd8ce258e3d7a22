"""URLconf of the benchmark's gunicorn (bench/settings.py): the project's URLs plus bench-only views.

/bench/floor/framework/      a bare Django view answering a fixed small JSON
/bench/floor/db/<name>/      the same page's rows by raw SQL (bench/floor_sql.py)
/bench/peer/cases/, mines/   the peer: plain DRF ModelViewSets (bench/peer.py)
"""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from bench import floors, peer
from config import urls as project

router = SimpleRouter()
router.register("cases", peer.PeerCaseViewSet, basename="peer-case")
router.register("mines", peer.PeerMineViewSet, basename="peer-mine")

urlpatterns = [
    path("bench/floor/framework/", floors.framework_floor),
    path("bench/floor/db/<slug:name>/", floors.database_floor),
    path("bench/peer/", include(router.urls)),
    *project.urlpatterns,
]

handler400 = project.handler400
handler403 = project.handler403
handler404 = project.handler404
handler500 = project.handler500
