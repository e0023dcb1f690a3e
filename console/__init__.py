"""The coordinators', staff's and evaluators' web console: server-rendered pages under /console.

A vertical slice like the API's: it signs in with an API key and calls the same services the
endpoints call (`outreach`, `booking`, `monitoring`), with the same roles and municipality scope.
"""
