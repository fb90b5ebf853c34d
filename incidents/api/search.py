"""REST API v1: full-text search (/api/v1/search/): ranked hits, the facet counts of everything matched,
and the glossary entries the query was expanded with."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, views
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from incidents import search
from incidents.actions import searchlog
from incidents.models import Incident

from .views import errors

FACET_LIMIT = 20  # values per facet in a response


class SearchParams(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=500, default="",
                              help_text='Words (all must match), "exact phrase", -exclude, tag:, service:, severity:, '
                                        "status:, category:, after:YYYY-MM-DD, before:YYYY-MM-DD, and KEY:VALUE of "
                                        "a custom field (choice, multiple choice, user, number, date: a day, "
                                        "YYYY-MM, YYYY or a range 2026-01..2026-03), e.g. region:ap-northeast-1.")
    tag = serializers.ListField(child=serializers.CharField(max_length=100), required=False, default=list,
                                help_text="Repeatable: only incidents with these tags.")
    tag_mode = serializers.ChoiceField(choices=["all", "any"], default="all")
    page = serializers.IntegerField(min_value=1, max_value=10_000, default=1)
    page_size = serializers.IntegerField(min_value=1, max_value=100, default=20)

    def to_internal_value(self, data):
        data = {key: data.getlist(key) if key == "tag" else data.get(key) for key in data} if hasattr(data, "getlist") else data
        return super().to_internal_value(data)

    def validate_q(self, value):
        """What the query language cannot search (a date the index cannot hold) is a field error."""
        if problems := search.parse(value).problems:
            raise ValidationError(problems)
        return value


class SearchHitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField()
    score = serializers.FloatField()
    snippet = serializers.CharField(help_text="HTML: escaped text with the matched words in <mark>.")
    tags = serializers.ListField(child=serializers.CharField())


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    count = serializers.IntegerField(min_value=1, help_text="Matching incidents with this value.")


def facet_values(help_text):
    return FacetValueSerializer(many=True, help_text=f"{help_text} At most {FACET_LIMIT}, most incidents first, "
                                                     "then by value.")


class FieldFacetValueSerializer(FacetValueSerializer):
    label = serializers.CharField(help_text="The value as shown (a user's name).")


class FieldFacetSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The custom field's key (as in `KEY:VALUE`).")
    label = serializers.CharField(help_text="The field's label in the request's language.")
    values = FieldFacetValueSerializer(many=True, help_text=f"At most {FACET_LIMIT}, most incidents first; a date's "
                                                            "values are months (YYYY-MM).")


class FacetsSerializer(serializers.Serializer):
    """Counts over every incident the search matched (all pages), not only the page returned."""

    tags = facet_values("Tag names (as in `tag:`).")
    services = facet_values("Service names (as in `service:`).")
    severity = facet_values("Keys of the severity scale, `/api/v1/severities/` (as in `severity:`).")
    status = facet_values("`draft`, `in_review`, `published` (as in `status:`).")
    categories = facet_values("Contributing-factor categories (as in `category:`); an incident counts once per "
                              "category of its factors.")
    year = facet_values("The year (UTC) the incident started.")
    fields = FieldFacetSerializer(many=True, help_text="Choice, multiple choice, user and date custom fields.")


class GlossaryMatchSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="The words of the query that are a glossary term, as typed.")
    key = serializers.CharField(help_text="The glossary entry (see /api/v1/glossary/).")
    terms = serializers.ListField(child=serializers.CharField(),
                                  help_text="The entry's other terms, searched for as well, at a lower weight.")


class SearchResultsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    fallback = serializers.BooleanField(help_text="True when no incident matched every word and any-word matching was used.")
    partial_words = serializers.BooleanField(
        help_text="True when no incident had the words as whole words and they were matched as parts of longer "
                  "words (Japanese character bigrams: ポート inside サポート).")
    more_from = serializers.IntegerField(
        allow_null=True,
        help_text="When fewer than 5 incidents matched the query as asked: the position (0-based, over all pages) "
                  "from which incidents with only some of the words follow, ranked below those. Null otherwise.")
    facets = FacetsSerializer(
        help_text="Per facet, how many of the matching incidents have each value: append e.g. `tag:dns` to `q` to "
                  "narrow the search to one. Counted from the search index with your visibility, like `count`.")
    glossary = GlossaryMatchSerializer(
        many=True, help_text="Glossary entries the query matched and was expanded with (key `jmdict`: English glosses "
                             "of a Japanese word from the JMdict dictionary; `errno-…`, `http-…`, `signal-…`: "
                             "identifier families).")
    results = SearchHitSerializer(many=True)


class SearchView(views.APIView):
    """Full-text search over the incidents you may see, ranked, with highlighted snippets, facet counts and the
    glossary entries applied. Incidents people opened from the page's results for the same or a similar
    search rank a little higher. Each search is logged (its words, how many incidents it found; not who)."""

    @extend_schema(parameters=[SearchParams], responses={200: SearchResultsSerializer, **errors(400, 401, 503)})
    def get(self, request):
        params = SearchParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        p = params.validated_data
        results = search.search(p["q"], request.user, page=p["page"], page_size=p["page_size"],
                                tags=p["tag"], match_all_tags=p["tag_mode"] == "all", with_facets=True)
        hits = [
            {"id": hit.id, "reference": hit.reference, "title": hit.title,
             "url": request.build_absolute_uri(Incident(pk=hit.id).get_absolute_url()),
             "score": hit.score, "snippet": hit.snippet, "tags": hit.tags}
            for hit in results.hits
        ]
        facets = {name: [{"value": value, "count": count} for value, count in values]
                  for name, values in results.top_facets(FACET_LIMIT).items()}
        facets["fields"] = [{"key": field.key, "label": field.label,
                             "values": [{"value": value, "label": shown, "count": count} for value, shown, count in rows]}
                            for field, rows in results.field_facets(FACET_LIMIT)]
        glossary = [{"text": expansion.text, "key": expansion.key, "terms": list(expansion.others)}
                    for expansion in results.glossary]
        response = Response({"count": results.count, "fallback": results.fallback,
                             "partial_words": results.partial_words, "more_from": results.more_from,
                             "facets": facets, "glossary": glossary, "results": hits})
        if p["page"] == 1:  # logged once sent (incidents.actions.searchlog); later pages are the same search
            searchlog.after(response, searchlog.record_search, p["q"], results.count,
                            results.fallback or results.partial_words, "api")
        return response
