/**
 * "Like" and "Not interested" for one movie: plain buttons that a small page script (src/scripts/rate.ts) turns
 * into a saved rating for the visitor's session, so they work in server-rendered lists and in islands alike.
 */
export function RateButtons({ movieId, title }: { movieId: number; title: string }) {
  return (
    <span class="rate" data-rate-movie={movieId} data-rate-title={title}>
      <button type="button" class="rate-button" data-rating="5" aria-pressed="false">
        <span aria-hidden="true">♥ </span>Like<span class="visually-hidden"> {title}</span>
      </button>
      <button type="button" class="rate-button" data-rating="1" aria-pressed="false">
        Not interested<span class="visually-hidden"> in {title}</span>
      </button>
    </span>
  );
}
