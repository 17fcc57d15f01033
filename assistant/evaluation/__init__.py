"""`dossier eval`: retrieval and answer quality on a question set, beside the plain LangChain
baseline. datasets (readers) → runner (store, questions, scored rows) → report (JSON, Markdown);
metrics holds the scoring, baseline the plain pipeline, judge the optional LLM grader."""
